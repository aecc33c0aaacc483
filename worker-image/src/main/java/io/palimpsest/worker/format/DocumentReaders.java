package io.palimpsest.worker.format;

import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/**
 * Opens the right reader for an input object. Parquet needs random access, so a remote Parquet
 * file is first copied to a local temporary file (deleted on close); local files are read in place.
 */
public final class DocumentReaders {

    /**
     * Lines longer than this are rejected, not read: a 50 MB line must not blow the heap. A Parquet row
     * whose strings and binary values come to more than this is rejected the same way.
     */
    public static final int DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;

    private final String formatSetting;
    private final RecordDecoder decoder;
    private final int maxLineBytes;

    public DocumentReaders(String formatSetting, RecordDecoder decoder, int maxLineBytes) {
        this.formatSetting = formatSetting;
        this.decoder = decoder;
        this.maxLineBytes = maxLineBytes;
    }

    /** Which fields hold the text and the id. */
    public FieldMapping fields() {
        return decoder.fields();
    }

    /** The format a file is read in: the job's {@code input.format}, or by its name. */
    public InputFormat formatOf(String key) {
        return InputFormat.of(key, formatSetting);
    }

    public DocumentReader open(Storage storage, String key) throws IOException {
        return open(storage, key, bytes -> {});
    }

    /**
     * @param bytesRead told how many bytes of the stored object were consumed, as reading goes (JSON
     *                  Lines only: Parquet is read by row groups from a random-access copy)
     */
    public DocumentReader open(Storage storage, String key, LongConsumer bytesRead) throws IOException {
        return switch (InputFormat.of(key, formatSetting)) {
            case JSONL -> openJsonl(storage, key, bytesRead);
            case PARQUET -> openParquet(storage, key);
        };
    }

    private DocumentReader openJsonl(Storage storage, String key, LongConsumer bytesRead) throws IOException {
        InputStream raw = new BufferedInputStream(new CountingInputStream(storage.open(key), bytesRead), 256 * 1024);
        try {
            return new JsonlReader(key, Compression.ofFileName(key).decompress(raw), decoder, maxLineBytes);
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }

    private DocumentReader openParquet(Storage storage, String key) throws IOException {
        if (storage instanceof FileStorage files) {
            return new ParquetReader(key, files.root().resolve(key), decoder, maxLineBytes);
        }
        Path copy = Files.createTempFile("palimpsest-input", ".parquet");
        try {
            storage.download(key, copy);
            ParquetReader reader = new ParquetReader(key, copy, decoder, maxLineBytes);
            return new DocumentReader() {
                @Override
                public InputItem next() throws IOException {
                    return reader.next();
                }

                @Override
                public void close() throws IOException {
                    try {
                        reader.close();
                    } finally {
                        Files.deleteIfExists(copy);
                    }
                }
            };
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(copy);
            throw e;
        }
    }

    /** Reports the bytes that pass through, for progress; costs one call per buffer fill. */
    private static final class CountingInputStream extends FilterInputStream {
        private final LongConsumer counter;

        CountingInputStream(InputStream in, LongConsumer counter) {
            super(in);
            this.counter = counter;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                counter.accept(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                counter.accept(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            if (skipped > 0) {
                counter.accept(skipped);
            }
            return skipped;
        }
    }
}
