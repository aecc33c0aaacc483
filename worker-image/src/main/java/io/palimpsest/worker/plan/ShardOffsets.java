package io.palimpsest.worker.plan;

import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.storage.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Where each shard's line lies in the manifest, so that a worker reads its own line (a few hundred
 * bytes by ranged reads) instead of the whole plan (tens of MB at a million input files), stored at
 * {@value #KEY} beside the manifest. Fixed width, big-endian:
 *
 * <pre>
 * header (56 bytes): "PLMPOFS1", shard count (8), manifest length (8), manifest SHA-256 (32)
 * entry i (44 bytes, at 56 + 44 i): offset of line i (8), its length without the newline (4), its SHA-256 (32)
 * </pre>
 *
 * The planner writes it right after the manifest and before the duplicate-id index that marks the plan
 * complete; the manifest hash it names must be the one that index names, and a line read through it must
 * hash to its entry's hash and hold its shard, or the worker stops: it never runs a line of another plan.
 */
public final class ShardOffsets {

    public static final String KEY = "_palimpsest/manifest-offsets.bin";

    static final byte[] MAGIC = "PLMPOFS1".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER_BYTES = 8 + 8 + 8 + 32;
    static final int ENTRY_BYTES = 8 + 4 + 32;

    /** The header: how many shards, how long the manifest is, and its SHA-256 (hex). */
    public record Header(long shards, long manifestLength, String manifestSha256) {}

    /** One shard's line: its offset and length in the manifest and the SHA-256 of its bytes. */
    public record Entry(long offset, int length, byte[] sha256) {}

    private ShardOffsets() {}

    /** The index of {@code manifest}: one entry per non-empty line, in order (line i holds shard i). */
    public static byte[] of(byte[] manifest) {
        int lines = 0;
        int start = 0;
        for (int i = 0; i <= manifest.length; i++) {
            if (i == manifest.length || manifest[i] == '\n') {
                if (i > start) {
                    lines++;
                }
                start = i + 1;
            }
        }
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + lines * ENTRY_BYTES);
        out.put(MAGIC).putLong(lines).putLong(manifest.length).put(sha256(manifest, 0, manifest.length));
        MessageDigest digest = digest();
        start = 0;
        for (int i = 0; i <= manifest.length; i++) {
            if (i == manifest.length || manifest[i] == '\n') {
                if (i > start) {
                    digest.update(manifest, start, i - start);
                    out.putLong(start).putInt(i - start).put(digest.digest());
                }
                start = i + 1;
            }
        }
        return out.array();
    }

    /** The header of the stored index; {@link java.nio.file.NoSuchFileException} when the plan has none. */
    static Header header(Storage output) throws IOException {
        ByteBuffer header = ByteBuffer.wrap(read(output, KEY, 0, HEADER_BYTES));
        byte[] magic = new byte[MAGIC.length];
        header.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            // the same for every shard and every attempt (a later version's index, or no index at all): the job
            // stops (exit 78) instead of each shard spending its attempts on it
            throw new InvalidJobException(output.describe(KEY) + " is not a shard offset index this version reads"
                    + " (it starts " + HexFormat.of().formatHex(magic) + "): run the job with the worker image of the"
                    + " version that planned it or later, or plan the output again with this version");
        }
        long shards = header.getLong();
        long length = header.getLong();
        byte[] hash = new byte[32];
        header.get(hash);
        return new Header(shards, length, HexFormat.of().formatHex(hash));
    }

    static Entry entry(Storage output, int shard) throws IOException {
        long at = HEADER_BYTES + (long) shard * ENTRY_BYTES;
        ByteBuffer entry = ByteBuffer.wrap(read(output, KEY, at, at + ENTRY_BYTES));
        long offset = entry.getLong();
        int length = entry.getInt();
        byte[] hash = new byte[32];
        entry.get(hash);
        return new Entry(offset, length, hash);
    }

    /** Exactly bytes {@code [start, end)} of {@code key}; an object that ends sooner is refused. */
    static byte[] read(Storage output, String key, long start, long end) throws IOException {
        byte[] bytes;
        try (InputStream in = output.openRange(key, start, end)) {
            bytes = in.readNBytes((int) (end - start));
        }
        if (bytes.length != end - start) {
            throw new IOException(output.describe(key) + " ends at byte " + (start + bytes.length) + ", expected "
                    + end + " bytes at least: it was cut or replaced while planning; run `palimpsest plan` on the"
                    + " output again");
        }
        return bytes;
    }

    static byte[] sha256(byte[] content, int offset, int length) {
        MessageDigest digest = digest();
        digest.update(content, offset, length);
        return digest.digest();
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
