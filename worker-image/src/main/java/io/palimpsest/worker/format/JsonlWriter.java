package io.palimpsest.worker.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Writes JSON records, one per line, through a compressor into a local file, counting records and
 * hashing the compressed bytes (the checksum that ends up in the receipt).
 */
public final class JsonlWriter implements AutoCloseable {

    private final ObjectMapper json;
    private final CountingDigestStream raw;
    private final OutputStream out;
    private long records;
    private boolean closed;

    public JsonlWriter(ObjectMapper json, Path file, Compression compression) throws IOException {
        this.json = json;
        this.raw = new CountingDigestStream(Files.newOutputStream(file));
        this.out = new BufferedOutputStream(compression.compress(raw), 64 * 1024);
    }

    public void write(JsonNode record) throws IOException {
        out.write(json.writeValueAsBytes(record));
        out.write('\n');
        records++;
    }

    public long records() {
        return records;
    }

    /** Closes the file; after this, {@link #bytes()} and {@link #sha256()} describe it. */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            out.close();
        }
    }

    public long bytes() {
        return raw.count;
    }

    public String sha256() {
        return HexFormat.of().formatHex(raw.digest.digest());
    }

    private static final class CountingDigestStream extends DigestOutputStream {
        private long count;
        private final MessageDigest digest;

        CountingDigestStream(OutputStream out) {
            this(out, sha256Digest());
        }

        private CountingDigestStream(OutputStream out, MessageDigest digest) {
            super(out, digest);
            this.digest = digest;
        }

        @Override
        public void write(int b) throws IOException {
            super.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            super.write(b, off, len);
            count += len;
        }
    }

    static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }
}
