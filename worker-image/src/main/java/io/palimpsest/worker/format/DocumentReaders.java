package io.palimpsest.worker.format;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;

/**
 * Opens the right reader for an input object. Parquet needs random access, so a remote Parquet
 * file is first copied to a local temporary file (deleted on close); local files are read in place.
 */
public final class DocumentReaders {

    /** Lines longer than this are rejected, not read: a 50 MB line must not blow the heap. */
    public static final int DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;

    private final String formatSetting;
    private final RecordDecoder decoder;
    private final int maxLineBytes;

    public DocumentReaders(String formatSetting, RecordDecoder decoder, int maxLineBytes) {
        this.formatSetting = formatSetting;
        this.decoder = decoder;
        this.maxLineBytes = maxLineBytes;
    }

    public DocumentReader open(Storage storage, String key) throws IOException {
        return switch (InputFormat.of(key, formatSetting)) {
            case JSONL -> openJsonl(storage, key);
            case PARQUET -> openParquet(storage, key);
        };
    }

    private DocumentReader openJsonl(Storage storage, String key) throws IOException {
        InputStream raw = new BufferedInputStream(storage.open(key), 256 * 1024);
        try {
            return new JsonlReader(key, Compression.ofFileName(key).decompress(raw), decoder, maxLineBytes);
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }

    private DocumentReader openParquet(Storage storage, String key) throws IOException {
        if (storage instanceof FileStorage files) {
            return new ParquetReader(key, files.root().resolve(key), decoder);
        }
        Path copy = Files.createTempFile("palimpsest-input", ".parquet");
        try {
            storage.download(key, copy);
            ParquetReader reader = new ParquetReader(key, copy, decoder);
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
}
