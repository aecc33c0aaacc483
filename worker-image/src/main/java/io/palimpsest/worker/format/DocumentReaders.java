package io.palimpsest.worker.format;

import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.ObjectChangedException;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/**
 * Opens the right reader for an input object. Parquet needs random access: a remote Parquet file is read by byte
 * ranges where the Parquet library seeks ({@link StoredParquetFile}: its footer, then the row groups of the rows
 * read), or, for the planner's duplicate-id pass ({@link #countingCopiesIn}), from a local copy of the whole file
 * (deleted on close); local files are read in place.
 */
public final class DocumentReaders {

    /**
     * Lines longer than this are rejected, not read: a 50 MB line must not blow the heap. A Parquet row
     * whose strings and binary values come to more than this is rejected the same way.
     */
    public static final int DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;

    /**
     * The local disk the copies of remote Parquet files may take: each copy's size is taken before it is downloaded
     * and given back once it is deleted.
     */
    public interface LocalCopies {
        /**
         * Takes {@code bytes} for the copy of {@code file} (named for messages); throws when there is no room, and
         * may wait for other threads to give back theirs (the caller holds no copy then).
         *
         * @throws InterruptedIOException when interrupted or stopped while waiting for room
         */
        void reserveCopy(String file, long bytes) throws InterruptedIOException;

        void releaseCopy(long bytes);
    }

    private static final LocalCopies UNCOUNTED = new LocalCopies() {
        @Override
        public void reserveCopy(String file, long bytes) {}

        @Override
        public void releaseCopy(long bytes) {}
    };

    private final String formatSetting;
    private final RecordDecoder decoder;
    private final int maxLineBytes;
    private final LocalCopies copies;
    private final long maxRowGroupBytes;
    /** Whether a remote Parquet file is read by byte ranges ({@link StoredParquetFile}) rather than copied whole. */
    private final boolean parquetByRanges;

    public DocumentReaders(String formatSetting, RecordDecoder decoder, int maxLineBytes) {
        this(formatSetting, decoder, maxLineBytes, UNCOUNTED, ParquetReader.defaultMaxRowGroupBytes(), true);
    }

    private DocumentReaders(
            String formatSetting,
            RecordDecoder decoder,
            int maxLineBytes,
            LocalCopies copies,
            long maxRowGroupBytes,
            boolean parquetByRanges) {
        this.formatSetting = formatSetting;
        this.decoder = decoder;
        this.maxLineBytes = maxLineBytes;
        this.copies = copies;
        this.maxRowGroupBytes = maxRowGroupBytes;
        this.parquetByRanges = parquetByRanges;
    }

    /**
     * These readers, reading a remote Parquet file from a local copy of it, counted in {@code copies}: the planner's
     * duplicate-id pass, which reads every row of every file, its copies counted in its scratch budget.
     */
    public DocumentReaders countingCopiesIn(LocalCopies copies) {
        return new DocumentReaders(formatSetting, decoder, maxLineBytes, copies, maxRowGroupBytes, false);
    }

    /** These readers, refusing a Parquet file with a row group of more than {@code bytes} compressed. */
    DocumentReaders holdingRowGroupsUpTo(long bytes) {
        return new DocumentReaders(formatSetting, decoder, maxLineBytes, copies, bytes, parquetByRanges);
    }

    /** Which fields hold the text and the id. */
    public FieldMapping fields() {
        return decoder.fields();
    }

    /** The format a file is read in: the job's {@code input.format}, or by its name. */
    public InputFormat formatOf(String key) {
        return InputFormat.of(key, formatSetting);
    }

    /** @throws CorruptInputException when the file's first bytes cannot be decoded as its format says ({@link DocumentReader}) */
    public DocumentReader open(Storage storage, String key) throws IOException {
        return open(storage, key, bytes -> {});
    }

    /**
     * @param bytesRead told how many bytes of the stored object were consumed, as reading goes (JSON
     *                  Lines only: Parquet is read by row groups)
     */
    public DocumentReader open(Storage storage, String key, LongConsumer bytesRead) throws IOException {
        return open(storage, key, bytesRead, null);
    }

    /**
     * @param plannedVersion the version the plan read the file as ({@link StoredObject#version()}; null: none
     *                       recorded): a Parquet file read by ranges is read as that version or fails as changed
     *                       ({@link ObjectChangedException})
     */
    public DocumentReader open(Storage storage, String key, LongConsumer bytesRead, String plannedVersion)
            throws IOException {
        return switch (InputFormat.of(key, formatSetting)) {
            case JSONL -> openJsonl(storage, key, bytesRead);
            case PARQUET -> openParquet(storage, key, plannedVersion);
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

    private DocumentReader openParquet(Storage storage, String key, String plannedVersion) throws IOException {
        if (storage instanceof FileStorage files) {
            return new ParquetReader(key, files.root().resolve(key), decoder, maxLineBytes, maxRowGroupBytes);
        }
        if (parquetByRanges) {
            return new ParquetReader(
                    key, StoredParquetFile.open(storage, key, plannedVersion), decoder, maxLineBytes, maxRowGroupBytes);
        }
        long size = copies == UNCOUNTED ? 0 : storage.size(key);
        copies.reserveCopy(storage.describe(key), size);
        Path copy;
        try {
            copy = Files.createTempFile("palimpsest-input", ".parquet");
        } catch (IOException | RuntimeException e) {
            copies.releaseCopy(size);
            throw e;
        }
        try {
            storage.download(key, copy);
            ParquetReader reader = new ParquetReader(key, copy, decoder, maxLineBytes, maxRowGroupBytes);
            return new DocumentReader() {
                private boolean closed;

                @Override
                public InputItem next() throws IOException {
                    return reader.next();
                }

                @Override
                public long skip(long items) throws IOException {
                    return reader.skip(items);
                }

                @Override
                public long itemsLeft(long atMost) throws IOException {
                    return reader.itemsLeft(atMost);
                }

                @Override
                public void close() throws IOException {
                    if (closed) {
                        return;
                    }
                    closed = true;
                    try {
                        reader.close();
                    } finally {
                        try {
                            Files.deleteIfExists(copy);
                        } finally {
                            copies.releaseCopy(size);
                        }
                    }
                }
            };
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(copy);
            } finally {
                copies.releaseCopy(size);
            }
            throw e;
        }
    }
}
