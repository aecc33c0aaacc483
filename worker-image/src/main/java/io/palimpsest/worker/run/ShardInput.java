package io.palimpsest.worker.run;

import io.palimpsest.worker.format.CorruptFileException;
import io.palimpsest.worker.format.CorruptInputException;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReader;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FileSignature;
import io.palimpsest.worker.format.FileStartCheck;
import io.palimpsest.worker.format.InputFormat;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.format.RepeatedIds;
import io.palimpsest.worker.format.ShardDataException;
import io.palimpsest.worker.format.UnusableItem;
import io.palimpsest.worker.plan.DuplicateIdIndex;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardFile;
import io.palimpsest.worker.storage.ObjectArchivedException;
import io.palimpsest.worker.storage.ObjectChangedException;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The items of one shard in a fixed order (files in manifest order, lines in file order), so item
 * number N is the same item in every attempt: that is what checkpoints count. A shard that is an
 * item range of a file ({@link ShardFile#firstItem()}) passes over the file's items before the range
 * ({@link DocumentReader#skip}) and hands out only the range. A document whose id came before it in the plan's order (earlier in this shard, or in
 * an earlier shard) is rejected as a duplicate, the first occurrence wins: {@link RepeatedIds} says
 * which, from the planner's {@link io.palimpsest.worker.plan.DuplicateIdIndex} for a worker.
 *
 * <p>Each file (or range) is checked from its first items ({@link FileStartCheck}): when none of them is a document
 * and the reader failed on one, the shard fails as bad data, unless the file is one the plan vouches for
 * ({@code waivedStarts}: the planner read it whole and found a document in it), whose unreadable lines are handed
 * out as the rejects they are.
 */
public final class ShardInput implements Closeable {

    private final Storage storage;
    private final DocumentReaders readers;
    private final List<ShardFile> plannedFiles;
    private final Iterator<ShardFile> files;
    private boolean sizesChecked;
    /** Which documents repeat an id that came before them. */
    private final RepeatedIds repeats;
    /** Items handed out so far: the next one's number in the shard. */
    private long itemNumber;

    private DocumentReader current;
    private String currentKey;
    private Long currentMaxItems;
    private long readFromCurrent;
    private final LongConsumer bytesRead;
    private long currentPlannedBytes;
    private long currentReportedBytes;
    /** True while reading the current file's items before this shard's range. */
    private boolean skipping;

    private boolean currentIsRange;
    private long currentFirstItem;
    /** Whether the current file's first items show it cannot be read as the job describes it; null: not checked. */
    private FileStartCheck currentStart;
    /** Where a file whose first items are no document is reported instead of failing the read; null: it fails. */
    private Consumer<UnreadableStart> unreadableStarts;
    /** Files whose start is not checked: the plan read each whole and found a document in it. */
    private final Set<String> waivedStarts;

    /**
     * A file (or range) of the shard whose first items are no document, the reader failing on at least one, as the
     * planner's duplicate-id pass meets it: its worker fails the shard for it ({@code problem}, the worker's words)
     * unless the plan vouches for the file.
     *
     * @param key the file
     * @param rejectedAs what the reader failed on, most frequent first: what the lines are rejected as when the
     *                   file is vouched for
     */
    public record UnreadableStart(String key, String problem, List<ItemReason> rejectedAs) {}

    /**
     * Reads every document of the shard as it is (no repeat rejected) and hands its id to {@code ids},
     * numbered as the shard's worker numbers its items: the planner's duplicate-id pass, and a worker
     * listing the repeats of a plan an earlier version made.
     *
     * @throws ShardDataException when the shard's input cannot be read
     */
    public static void eachId(Storage storage, Shard shard, DocumentReaders readers, DuplicateIdIndex.IdSink ids)
            throws IOException {
        eachId(storage, shard, readers, ids, item -> {});
    }

    /**
     * As {@link #eachId(Storage, Shard, DocumentReaders, DuplicateIdIndex.IdSink)}, handing every item read
     * (documents and those that are not) to {@code everyItem} too, before its id goes to {@code ids}.
     */
    public static void eachId(
            Storage storage,
            Shard shard,
            DocumentReaders readers,
            DuplicateIdIndex.IdSink ids,
            Consumer<InputItem> everyItem)
            throws IOException {
        eachId(storage, shard, readers, ids, everyItem, null);
    }

    /**
     * As {@link #eachId(Storage, Shard, DocumentReaders, DuplicateIdIndex.IdSink, Consumer)}; a file whose first
     * items are no document ({@link FileStartCheck}), which fails its worker's shard unless the plan vouches for it,
     * is handed to {@code unreadableStarts} and read on to its end, and so are the shard's other files: the planner's
     * duplicate-id pass judges every file by all of its records. Null: thrown, as a worker does.
     */
    public static void eachId(
            Storage storage,
            Shard shard,
            DocumentReaders readers,
            DuplicateIdIndex.IdSink ids,
            Consumer<InputItem> everyItem,
            Consumer<UnreadableStart> unreadableStarts)
            throws IOException {
        try (ShardInput items = new ShardInput(storage, shard, readers, RepeatedIds.NONE, bytes -> {})) {
            items.unreadableStarts = unreadableStarts;
            InputItem item;
            for (long number = 0; (item = items.next()) != null; number++) {
                everyItem.accept(item);
                if (item instanceof Document d) {
                    ids.accept(number, d.id(), d.position());
                }
            }
        }
    }

    /** A shard read without a plan's index: repeats within it are found by remembering its ids. */
    public ShardInput(Storage storage, Shard shard, DocumentReaders readers) {
        this(storage, shard, readers, RepeatedIds.inMemory(Map.of()), bytes -> {});
    }

    /**
     * @param repeats which documents repeat an id that came before them (rejected here as duplicates;
     *                closed with this); {@link RepeatedIds#NONE} hands every document out as it is
     * @param bytesRead told the input bytes consumed as reading goes (progress)
     */
    public ShardInput(
            Storage storage, Shard shard, DocumentReaders readers, RepeatedIds repeats, LongConsumer bytesRead) {
        this(storage, shard, readers, repeats, bytesRead, Set.of());
    }

    /**
     * As {@link #ShardInput(Storage, Shard, DocumentReaders, RepeatedIds, LongConsumer)}, a worker of a plan that
     * vouches for some files.
     *
     * @param waivedStarts files whose start is not checked: the plan read each of them whole and found a document in
     *                     it (its duplicate-id index names them), so their unreadable first lines are rejects
     */
    public ShardInput(
            Storage storage,
            Shard shard,
            DocumentReaders readers,
            RepeatedIds repeats,
            LongConsumer bytesRead,
            Set<String> waivedStarts) {
        this.storage = storage;
        this.waivedStarts = Set.copyOf(waivedStarts);
        this.readers = readers;
        this.plannedFiles = shard.files();
        this.files = plannedFiles.iterator();
        this.repeats = repeats;
        this.bytesRead = bytesRead;
    }

    /** The next item, or null after the last file. */
    public InputItem next() {
        try {
            if (!sizesChecked) {
                for (ShardFile file : plannedFiles) {
                    currentKey = file.key();
                    if (file.firstItem() == null || file.version() != null) {
                        requireAsPlanned(file);
                    }
                }
                sizesChecked = true;
            }
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
                    currentIsRange = file.firstItem() != null;
                    currentFirstItem = file.skippedItems();
                    current = readers.open(storage, currentKey, this::consumed, file.version());
                    currentStart = waivedStarts.contains(currentKey)
                            ? null
                            : currentIsRange
                                    ? FileStartCheck.ofRange(readers.fields())
                                    : new FileStartCheck(readers.fields());
                    skipTo(file.skippedItems());
                }
                InputItem item = currentMaxItems != null && readFromCurrent >= currentMaxItems ? null : current.next();
                if (item != null) {
                    readFromCurrent++;
                    checkStart(item);
                    return deduplicated(item, itemNumber++);
                }
                checkStart(null);
                if (currentIsRange && currentMaxItems != null && readFromCurrent < currentMaxItems) {
                    throw changedSincePlanned(currentFirstItem + readFromCurrent, currentFirstItem + currentMaxItems);
                }
                current.close();
                current = null;
                // a format read in one go (Parquet), or an input limit that stopped early: the file is behind us all
                // the same
                if (currentPlannedBytes > currentReportedBytes) {
                    bytesRead.accept(currentPlannedBytes - currentReportedBytes);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw readFailure(e);
        }
    }

    /**
     * Passes over the next {@code items} items as {@link #next()} would hand them out, without handing them out: a
     * resumed attempt's items already in checkpoint parts. Each file's (or range's) items are passed over by its reader
     * ({@link DocumentReader#skip}: Parquet's row groups unread, JSON lines not decoded), but for what must still be
     * seen, read as {@link #next()} reads it: a file's first item (opening it), the items its start check needs, and
     * the documents {@code repeats} needs shown ({@link RepeatedIds#nextNeeded}: every one for repeats found in
     * memory). The items keep their numbers, and the next item is the one {@link #next()} would give after as many
     * calls.
     *
     * @return how many items it passed over: {@code items}, or fewer when the shard ends first
     */
    public long skip(long items) {
        long passed = 0;
        while (passed < items) {
            long unread = Math.min(items - passed, passableUnread());
            if (unread > 0) {
                long skipped;
                try {
                    skipped = current.skip(unread);
                } catch (IOException | RuntimeException e) {
                    throw readFailure(e);
                }
                readFromCurrent += skipped;
                itemNumber += skipped;
                passed += skipped;
                repeats.passedOver(itemNumber);
                if (skipped == unread) {
                    continue;
                }
            }
            // a file's end, its start or an item the repeats need: read as next() reads it
            if (next() == null) {
                break;
            }
            passed++;
        }
        return passed;
    }

    /** How many of the current file's next items may be passed over unread (0: the next one is read). */
    private long passableUnread() {
        if (current == null || (currentStart != null && !currentStart.settled())) {
            return 0;
        }
        long left = currentMaxItems == null ? Long.MAX_VALUE : currentMaxItems - readFromCurrent;
        return Math.min(left, repeats.nextNeeded(itemNumber) - itemNumber);
    }

    /**
     * A reader's failure as the shard's: bytes that do not decode are a corrupt file, a file gone or archived bad data,
     * any other failure of the store as it is.
     */
    private RuntimeException readFailure(Exception e) {
        if (e instanceof CorruptInputException corrupt) {
            return new CorruptFileException(storage.describe(currentKey), currentKey, corrupt);
        }
        if (e instanceof NoSuchFileException) {
            return new ShardDataException(
                    "input file " + storage.describe(currentKey) + " does not exist (it did when the job was planned)",
                    e);
        }
        if (e instanceof ObjectChangedException changed) {
            // read in parts (a Parquet file's row groups), the file is not the one the plan counted any more
            return new ShardDataException(
                    "input file " + storage.describe(currentKey) + " changed since it was planned: "
                            + changed.getMessage() + "; the plan is kept once shards are committed against it, so"
                            + " restore the file, or run the job into a new output to take the input as it is now",
                    changed);
        }
        if (e instanceof IOException io) {
            if (ObjectArchivedException.in(io).isPresent()) {
                return archived(io);
            }
            return new UncheckedIOException(
                    "reading " + storage.describe(currentKey) + " failed: " + io.getMessage(), io);
        }
        RuntimeException unchecked = (RuntimeException) e;
        if (ObjectArchivedException.in(unchecked).isPresent() && !(unchecked instanceof ShardDataException)) {
            return archived(unchecked);
        }
        // no decode failure (a reader reports each as a CorruptInputException): a failure of the store, or the
        // job's own limit (InvalidJobException), as it is
        return unchecked;
    }

    /**
     * The store answered that the input file is archived (403 InvalidObjectState): this shard's data
     * cannot be read until the file is restored, whichever attempt asks, so it is bad data (exit 42),
     * not a refusal of the job's credentials nor a failure a retry passes.
     */
    private ShardDataException archived(Exception e) {
        return new ShardDataException(
                "input file " + storage.describe(currentKey) + " is archived and no attempt can read it until it is"
                        + " restored: restore it (or drop it from the input) and run a new job over it. "
                        + ObjectArchivedException.in(e).orElseThrow().getMessage(),
                e);
    }

    /**
     * Fails the shard once the current file's (or range's) first items, or all of them when it ends
     * sooner, are decode failures with no document among them: every item would be rejected the same
     * way, so the file or the job's field mapping is wrong, and committing the rejects would hide it. A file the
     * plan vouches for is not checked ({@code waivedStarts}).
     *
     * @param item the file's next item, or null at its end
     */
    private void checkStart(InputItem item) {
        if (currentStart == null || currentStart.settled()) {
            return;
        }
        if (item != null) {
            currentStart.take(item);
            if (!currentStart.settled()) {
                return;
            }
        }
        if (currentStart.failed()) {
            InputFormat format = readers.formatOf(currentKey);
            String problem = currentStart
                    .problem(storage.describe(currentKey), format, FileSignature.mismatch(storage, currentKey, format))
                    .orElseThrow();
            if (unreadableStarts != null) {
                unreadableStarts.accept(new UnreadableStart(currentKey, problem, currentStart.failureReasons()));
                return;
            }
            throw new ShardDataException(problem, null);
        }
    }

    /**
     * Passes over the file's items before this shard's range. They belong to another shard: they are
     * neither counted nor checked for duplicates here, and their bytes are not this shard's progress.
     * The reader passes over them ({@link DocumentReader#skip}) rather than seeking to a byte, which keeps
     * positions and the {@code file:line} ids the same as in a whole-file read and works for compressed
     * files: JSON lines are read through, Parquet passes over whole row groups before the range unread.
     */
    private void skipTo(long firstItem) throws IOException {
        skipping = true;
        try {
            long passed = current.skip(firstItem);
            if (passed < firstItem) {
                throw changedSincePlanned(passed, firstItem + (currentMaxItems == null ? 0 : currentMaxItems));
            }
        } finally {
            skipping = false;
        }
    }

    /**
     * Before the first item: a whole file's size now must be the size the plan recorded, and any file's version the
     * version the plan recorded, where it recorded one (an object's ETag; a file's last-modified time and inode on a
     * volume). A file replaced, appended to or cut since planning, or rewritten to other bytes of the same size, is
     * not the file the plan counted and deduplicated: reading it as it is now would commit other documents than the
     * plan's under this shard (or fewer, without a trace), so the shard fails as bad data before reading. A file only
     * touched (its bytes the plan's) fails the same way: no version tells it from a rewrite in place. (A range's size
     * is not compared: its planned bytes are the range's share; its item count is checked as it is read.)
     */
    private void requireAsPlanned(ShardFile file) throws IOException {
        StoredObject stored = storage.stat(file.key());
        if (file.firstItem() == null && stored.size() != file.bytes()) {
            throw new ShardDataException(
                    "input file " + storage.describe(file.key()) + " changed since it was planned: the plan counted "
                            + file.bytes() + " bytes, it now has " + stored.size() + "; the plan is kept once shards"
                            + " are committed against it, so restore the file, or run the job into a new output to"
                            + " take the input as it is now",
                    null);
        }
        if (file.version() != null
                && stored.version() != null
                && !file.version().equals(stored.version())) {
            throw new ShardDataException(
                    "input file " + storage.describe(file.key()) + " changed since it was planned: the plan read it"
                            + " with " + file.version() + ", it now has " + stored.version() + " (its size, "
                            + stored.size() + " bytes, says nothing of it); the plan is kept once shards are"
                            + " committed against it, so restore the file, or run the job into a new output to take"
                            + " the input as it is now",
                    null);
        }
    }

    /**
     * A range's file ends before the range does: the file is not the one the plan counted. Reading on
     * would commit another file's items under this range (or none), and the documents the plan gave
     * it would be lost without a trace, so the shard fails as unreadable data.
     */
    private ShardDataException changedSincePlanned(long itemsInFile, long rangeEnd) {
        return new ShardDataException(
                "input file " + storage.describe(currentKey) + " ends after " + itemsInFile
                        + " items, but this shard's range runs to item " + rangeEnd
                        + ": the file changed since it was planned",
                null);
    }

    /** Input bytes the reader consumed; a range reports only its own part, up to its planned share. */
    private void consumed(long n) {
        if (!currentIsRange) {
            currentReportedBytes += n;
            bytesRead.accept(n);
            return;
        }
        long forward = skipping ? 0 : Math.min(n, currentPlannedBytes - currentReportedBytes);
        if (forward > 0) {
            currentReportedBytes += forward;
            bytesRead.accept(forward);
        }
    }

    private InputItem deduplicated(InputItem item, long number) {
        if (!(item instanceof Document doc)) {
            return item;
        }
        String repeat = repeats.repeatOf(number, doc);
        if (repeat != null) {
            return new UnusableItem(doc.position(), doc.id(), ItemReason.DUPLICATE_ID, repeat);
        }
        return item;
    }

    @Override
    public void close() throws IOException {
        try {
            repeats.close();
        } finally {
            if (current != null) {
                current.close();
            }
        }
    }
}
