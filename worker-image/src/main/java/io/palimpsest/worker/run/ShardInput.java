package io.palimpsest.worker.run;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.zip.ZipException;

import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReader;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.format.UnusableItem;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardFile;
import io.palimpsest.worker.storage.Storage;

/**
 * The items of one shard in a fixed order (files in manifest order, lines in file order), so item
 * number N is the same item in every attempt: that is what checkpoints count. A second document
 * with an id already seen in this shard is rejected as a duplicate (the first wins).
 */
public final class ShardInput implements Closeable {

    private final Storage storage;
    private final DocumentReaders readers;
    private final Iterator<ShardFile> files;
    private final Set<String> seenIds = new HashSet<>();
    private DocumentReader current;
    private String currentKey;
    private Long currentMaxItems;
    private long readFromCurrent;
    private final java.util.function.LongConsumer bytesRead;
    private long currentPlannedBytes;
    private long currentReportedBytes;

    public ShardInput(Storage storage, Shard shard, DocumentReaders readers) {
        this(storage, shard, readers, bytes -> {
        });
    }

    /** @param bytesRead told the input bytes consumed as reading goes (progress) */
    public ShardInput(Storage storage, Shard shard, DocumentReaders readers, java.util.function.LongConsumer bytesRead) {
        this.storage = storage;
        this.readers = readers;
        this.files = shard.files().iterator();
        this.bytesRead = bytesRead;
    }

    /** The next item, or null after the last file. */
    public InputItem next() {
        try {
            while (true) {
                if (current == null) {
                    if (!files.hasNext()) {
                        return null;
                    }
                    ShardFile file = files.next();
                    currentKey = file.key();
                    currentMaxItems = file.maxItems();
                    readFromCurrent = 0;
                    currentPlannedBytes = file.bytes();
                    currentReportedBytes = 0;
                    current = readers.open(storage, currentKey, n -> {
                        currentReportedBytes += n;
                        bytesRead.accept(n);
                    });
                }
                InputItem item = currentMaxItems != null && readFromCurrent >= currentMaxItems ? null : current.next();
                if (item != null) {
                    readFromCurrent++;
                    return deduplicated(item);
                }
                current.close();
                current = null;
                // a format read in one go (Parquet), or an input limit that stopped early: the file is behind us all the same
                if (currentPlannedBytes > currentReportedBytes) {
                    bytesRead.accept(currentPlannedBytes - currentReportedBytes);
                }
            }
        } catch (NoSuchFileException | ZipException | EOFException | com.github.luben.zstd.ZstdIOException e) {
            throw new ShardDataException("input file " + storage.describe() + "/" + currentKey + " cannot be read: " + e, e);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("reading " + storage.describe() + "/" + currentKey + " failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (e instanceof ShardDataException || e instanceof java.io.UncheckedIOException) {
                throw e;
            }
            // Parquet and decompressors report corrupt data as runtime exceptions
            throw new ShardDataException("input file " + storage.describe() + "/" + currentKey + " is corrupt: " + e, e);
        }
    }

    private InputItem deduplicated(InputItem item) {
        if (item instanceof Document doc && !seenIds.add(doc.id())) {
            return new UnusableItem(doc.position(), doc.id(), ItemReason.DUPLICATE_ID, "id '" + doc.id() + "' appeared earlier in this shard");
        }
        return item;
    }

    @Override
    public void close() throws IOException {
        if (current != null) {
            current.close();
        }
    }
}
