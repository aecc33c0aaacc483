package io.palimpsest.worker.format;

import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.ObjectChangedException;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;

/**
 * Opens the right reader for an input object. Parquet needs random access: a remote Parquet file is read by byte
 * ranges where the Parquet library seeks ({@link StoredParquetFile}: its footer, then the row groups of the rows
 * read), by workers and the planner alike, with nothing on local disk; local files are read in place.
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
    private final long maxRowGroupBytes;

    public DocumentReaders(String formatSetting, RecordDecoder decoder, int maxLineBytes) {
        this(formatSetting, decoder, maxLineBytes, ParquetReader.defaultMaxRowGroupBytes());
    }

    private DocumentReaders(String formatSetting, RecordDecoder decoder, int maxLineBytes, long maxRowGroupBytes) {
        this.formatSetting = formatSetting;
        this.decoder = decoder;
        this.maxLineBytes = maxLineBytes;
        this.maxRowGroupBytes = maxRowGroupBytes;
    }

    /** These readers, refusing a Parquet file with a row group of more than {@code bytes} compressed. */
    DocumentReaders holdingRowGroupsUpTo(long bytes) {
        return new DocumentReaders(formatSetting, decoder, maxLineBytes, bytes);
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
        return new ParquetReader(
                key, StoredParquetFile.open(storage, key, plannedVersion), decoder, maxLineBytes, maxRowGroupBytes);
    }
}
