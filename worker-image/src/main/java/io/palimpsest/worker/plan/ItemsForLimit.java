package io.palimpsest.worker.plan;

import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.format.CorruptFileException;
import io.palimpsest.worker.format.CorruptInputException;
import io.palimpsest.worker.format.DocumentReader;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.storage.ObjectArchivedException;
import io.palimpsest.worker.storage.Storage;
import java.io.IOException;
import java.util.Optional;

/**
 * Counts a file's items for {@code input.limit} as {@code plan} and {@code preview} cut the input: a file that cannot
 * be decoded is refused as the duplicate-id pass refuses it ({@link CorruptFiles}), an archived one as the sample
 * refuses it ({@link InputSample#archivedInput}), each naming the file (exit 78). A file's items are what its reader
 * numbers, counted as it counts them without handing them out ({@link DocumentReader#itemsLeft}): a JSON Lines file
 * is read to the count, a Parquet file's footer gives it, no row read. A Parquet file whose pages do not decode is
 * then counted, not refused here: the duplicate-id pass of {@code plan} reads every row and refuses it before any
 * worker starts.
 */
public final class ItemsForLimit implements JobPlanner.ItemCounter {

    private final Storage storage;
    private final DocumentReaders readers;

    public ItemsForLimit(Storage storage, DocumentReaders readers) {
        this.storage = storage;
        this.readers = readers;
    }

    @Override
    public long count(String key, long atMost) throws IOException {
        return count(key, null, atMost);
    }

    /** A file the input's listing gave: read as the version listed, and a read that failed for a change said so. */
    @Override
    public long count(ShardFile file, long atMost) throws IOException {
        return count(file.key(), file.version(), atMost);
    }

    private long count(String key, String listedVersion, long atMost) throws IOException {
        long items;
        try (DocumentReader reader = readers.open(storage, key, bytes -> {}, listedVersion)) {
            items = reader.itemsLeft(atMost);
        } catch (CorruptInputException e) {
            InputChangedWhilePlanned.throwIfChanged(storage, key, listedVersion, e);
            CorruptFiles corrupt = new CorruptFiles(readers::formatOf);
            corrupt.take(new CorruptFileException(storage.describe(key), key, e));
            corrupt.refuse(storage::describe);
            throw e;
        } catch (IOException | RuntimeException e) {
            Optional<ObjectArchivedException> archived = ObjectArchivedException.in(e);
            if (archived.isPresent() && !(e instanceof InvalidJobException)) {
                throw InputSample.archivedInput(storage.describe(key), archived.get());
            }
            if (!(e instanceof InvalidJobException)) {
                InputChangedWhilePlanned.throwIfChanged(storage, key, listedVersion, e);
            }
            throw e;
        }
        return items;
    }
}
