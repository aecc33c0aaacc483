package io.palimpsest.worker.plan;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.worker.PlannerThreads;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.format.RepeatedIds;
import io.palimpsest.worker.format.ShardDataException;
import io.palimpsest.worker.format.SourcePosition;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Ids repeated in the plan, found once for the whole plan: the first occurrence wins (the plan's
 * shard order, then input order), every later one, in the same shard or another, is rejected by its
 * shard's worker as {@code duplicate_id}.
 *
 * <p>Shards are whole files, so the ids are only known by reading the documents: the planner reads
 * every shard once, in the order and with the rules a worker reads it (the same readers and limits),
 * and hands each document's id, shard and item number to a {@link SpillingSorter}: memory stays
 * bounded whatever the corpus or shard size, and ids are compared exactly (a hash or Bloom filter
 * alone could drop a real document on a collision). Sorted by id, then shard, then item, each id's
 * first occurrence wins; the other (shard, item, id) records, each with its id's first (shard, item) and that
 * copy's file and line (so that a reject names the copy that is kept, in its shard or another), are sorted
 * again by shard and item and written, one list per shard that has any, to
 * {@code _palimpsest/duplicates/items-<manifest hash>/shard-NNNNN.jsonl}, in the shard's item order.
 * A worker streams its list beside its input, so it holds no set of the ids it has seen: one entry
 * of the list at a time. {@value #INDEX_KEY}, written last, names the manifest it belongs to: a worker
 * whose manifest is not the index's refuses to run (a stale or half-written index would reject the
 * wrong documents), and planning again completes or redoes it. A kept plan keeps its index; resuming
 * costs no second pass.
 *
 * <p>A shard whose data cannot be read (the worker fails it with exit 42, committing nothing) wins no
 * id: its documents are never in the output, so they must not push out the same ids elsewhere.
 *
 * <p>The index also names the files whose start check the workers waive ({@value #WAIVED_STARTS}, usually none):
 * a worker fails its shard when none of a file's first items (or a range's) is a document and the reader failed on
 * one ({@link io.palimpsest.worker.format.FileStartCheck}), which is how it tells a file it cannot read at all from
 * one with bad lines. The pass reads every file whole, so it knows better: a file whose first document comes after
 * its first 100 lines, or a range of a cut file that holds only a corrupted block of an otherwise good file, has
 * documents, and the plan takes it. Its shards then run and reject those lines one by one, counted with their
 * reasons, as bad lines elsewhere in a file are, and their ids take part in the index like any other; what the plan
 * takes, a worker runs. The list is in the index, written last and for one manifest, not in the manifest's per-file
 * records (their equality decides whether an output is planned again); a worker of an index without it (planned by
 * an earlier version) checks every file as before.
 *
 * <p>Shards are read by several threads at once ({@code threads}; each reads whole shards, taken in plan order, and
 * sorts and spills its own share of the sort's memory), and the index is the same whatever their number: the sort
 * orders every record by (id, shard, item), whichever thread read it and when. A shard whose reading fails stops the
 * pass as it would with one thread: the shards after it are not read (or stop), those before it are read to the end,
 * and the failure of the first shard in plan order that failed is the pass's. A sort that fails (the scratch budget,
 * a full disk) stops every thread at once.
 */
public final class DuplicateIdIndex {

    public static final String PREFIX = "_palimpsest/duplicates/";
    /**
     * The index of lists by item number. (Versions before it wrote {@code index.json} and lists of ids
     * without item numbers; a worker of such a version finds no index of its kind here and refuses to
     * run rather than miss repeats.)
     */
    public static final String INDEX_KEY = PREFIX + "items-index.json";

    /**
     * The index earlier versions wrote: lists ({@code <manifest hash>/shard-NNNNN.jsonl}, one {@code {"id", "first"}}
     * per line) of the ids of a shard first seen in an earlier shard, without the repeats within the shard.
     */
    public static final String EARLIER_INDEX_KEY = PREFIX + "index.json";

    /** The field of {@value #INDEX_KEY} that lists the files whose start check the workers waive. */
    public static final String WAIVED_STARTS = "startCheckWaived";

    private static final Logger LOG = Logger.getLogger(DuplicateIdIndex.class.getName());

    /**
     * Receives one document of a shard: its item number in the shard (from 0), its id and where it is (null when not
     * known), so that a repeat's reject can name the file and line of the copy that is kept.
     */
    @FunctionalInterface
    public interface IdSink {
        void accept(long item, String id, SourcePosition at);

        default void accept(long item, String id) {
            accept(item, id, null);
        }
    }

    /** Reads one shard as its worker would, handing over each document; false when its data cannot be read. */
    @FunctionalInterface
    public interface ShardIds {
        boolean read(Shard shard, IdSink ids) throws IOException;
    }

    /** One listed document: item {@code item} of its shard repeats {@code id}, first seen in shard {@code first}. */
    public record Repeat(long item, String id, int first) {}

    /**
     * What the index holds, for the plan summary and the log.
     *
     * @param duplicates documents whose id appeared first in an earlier shard
     * @param repeatsWithinShards documents whose id appeared earlier in their own shard
     */
    public record Summary(
            long documents,
            long duplicates,
            long repeatsWithinShards,
            int shardsWithDuplicates,
            List<Integer> unreadableShards,
            boolean built) {}

    private final ObjectMapper json;
    private final long memoryBytes;
    private final ScratchBudget scratch;
    private final int threads;

    public DuplicateIdIndex(ObjectMapper json) {
        this(json, defaultMemory());
    }

    public DuplicateIdIndex(ObjectMapper json, long memoryBytes) {
        this(json, memoryBytes, null);
    }

    /**
     * @param scratch the local disk the planner's sorts may fill, and what a full one says (exit 78, naming the
     *                setting that sizes it); null: the disk's own bound, and a full disk fails as any I/O error
     */
    public DuplicateIdIndex(ObjectMapper json, long memoryBytes, ScratchBudget scratch) {
        this(json, memoryBytes, scratch, 1);
    }

    /**
     * @param threads shards read at once (at least 1); {@code memoryBytes} is shared among them, so the ids held
     *                stay within it whatever their number
     */
    public DuplicateIdIndex(ObjectMapper json, long memoryBytes, ScratchBudget scratch, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.json = json;
        this.memoryBytes = memoryBytes;
        this.scratch = scratch;
        this.threads = threads;
    }

    /** Shards read at once ({@link PlannerThreads#ENV}); unset: the processors the JVM may use. */
    public static final String THREADS_ENV = PlannerThreads.ENV;

    /** The threads {@value #THREADS_ENV} asks for: a positive whole number, or the processors the JVM may use when unset. */
    public static int threadsFromEnvironment(String value) {
        if (value == null || value.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int threads = Integer.parseInt(value.trim());
            if (threads < 1) {
                throw new NumberFormatException();
            }
            return threads;
        } catch (NumberFormatException e) {
            throw new InvalidJobException(
                    THREADS_ENV + " must be a positive whole number of threads, got '" + value + "'");
        }
    }

    /** An eighth of the heap, at most 64 MiB, for ids held before spilling to disk. */
    public static long defaultMemory() {
        return Math.max(1 << 20, Math.min(64L << 20, Runtime.getRuntime().maxMemory() / 8));
    }

    /**
     * A look at what the pass read, once every shard was read and before anything is listed: it may refuse the
     * plan (an {@link InvalidJobException}), and then no index is written, so no worker runs the plan.
     */
    @FunctionalInterface
    public interface ReadCheck {
        /**
         * @param unreadableShards the shards whose data could not be read (their workers fail them)
         * @return what the pass found besides the ids
         */
        ReadVerdict check(Set<Integer> unreadableShards);

        ReadCheck NONE = unreadable -> ReadVerdict.NONE;
    }

    /**
     * What the pass found besides the ids, once every shard was read.
     *
     * @param failingShards shards read to their end whose workers fail them all the same (a file whose first items
     *                      are no document, that the plan does not vouch for): like the unreadable ones, they win no id
     * @param waivedStarts  the files whose start check the workers waive ({@value #WAIVED_STARTS}): the pass read
     *                      each whole and found a document in it
     */
    public record ReadVerdict(Set<Integer> failingShards, Set<String> waivedStarts) {
        public static final ReadVerdict NONE = new ReadVerdict(Set.of(), Set.of());

        public ReadVerdict {
            failingShards = Set.copyOf(failingShards);
            waivedStarts = Set.copyOf(waivedStarts);
        }
    }

    /** Builds the index of the plan in force, unless the output already holds the one for this manifest. */
    public Summary ensure(Storage output, List<Shard> shards, byte[] manifest, ShardIds reader) throws IOException {
        return ensure(output, shards, manifest, reader, ReadCheck.NONE);
    }

    /**
     * As {@link #ensure(Storage, List, byte[], ShardIds)}; when the index is built, {@code afterReading} looks at
     * what was read before it is written. A kept index was built (and looked at) when it was written.
     */
    public Summary ensure(Storage output, List<Shard> shards, byte[] manifest, ShardIds reader, ReadCheck afterReading)
            throws IOException {
        String hash = sha256(manifest);
        Optional<JsonNode> kept = indexOf(output, INDEX_KEY, hash);
        if (kept.isPresent()) {
            JsonNode index = kept.get();
            List<Integer> unreadable = new ArrayList<>();
            index.path("unreadableShards").forEach(n -> unreadable.add(n.asInt()));
            return new Summary(
                    index.path("documents").asLong(),
                    index.path("duplicates").asLong(),
                    index.path("repeatsWithinShards").asLong(),
                    index.path("shardsWithDuplicates").asInt(),
                    unreadable,
                    false);
        }
        return build(output, shards, hash, reader, afterReading);
    }

    /**
     * The key {@code byId} sorts on: the id's length and bytes (so that one id's records are adjacent
     * whatever the other ids), then shard and item, big-endian (so that they sort as numbers), then where the
     * document is: the file's place in its shard's list and the line (-1 and 0 when not known), which never
     * decide the order (a shard's item is read once) but let a repeat name the copy that is kept.
     */
    private static byte[] byIdKey(byte[] id, int shard, long item, int file, long line) {
        return ByteBuffer.allocate(4 + id.length + AFTER_ID)
                .putInt(id.length)
                .put(id)
                .putInt(shard)
                .putLong(item)
                .putInt(file)
                .putLong(line)
                .array();
    }

    /** The bytes of a {@code byId} key after the id: shard, item, file, line. */
    private static final int AFTER_ID = 24;

    private static boolean sameId(byte[] a, byte[] b) {
        return a.length == b.length && Arrays.equals(a, 0, a.length - AFTER_ID, b, 0, b.length - AFTER_ID);
    }

    private Summary build(Storage output, List<Shard> shards, String hash, ShardIds reader, ReadCheck afterReading)
            throws IOException {
        return build(
                output,
                shards.size(),
                hash,
                (byId, unreadable) -> {
                    new ShardReading(shards, reader, byId, unreadable).readAll();
                    return afterReading.check(Set.copyOf(unreadable));
                },
                filesOf(shards));
    }

    /**
     * Hands every record to the sort, and adds the shards whose data could not be read to {@code unreadable}; returns
     * what else the reading found.
     */
    @FunctionalInterface
    private interface Records {
        ReadVerdict feed(SpillingSorter byId, Set<Integer> unreadable) throws IOException;
    }

    /** The input keys of each shard's files, in the shard's order, by shard index. */
    private static Map<Integer, List<String>> filesOf(List<Shard> shards) {
        Map<Integer, List<String>> files = new HashMap<>();
        for (Shard shard : shards) {
            files.put(shard.index(), shard.files().stream().map(ShardFile::key).toList());
        }
        return files;
    }

    /** Hands one (shard, item, id) record to the sort, with where it is when {@code at} is one of the shard's files. */
    private static void record(SpillingSorter.Feeder records, Shard shard, long item, String id, SourcePosition at) {
        int file = -1;
        if (at != null) {
            List<ShardFile> files = shard.files();
            for (int i = 0; i < files.size() && file < 0; i++) {
                if (files.get(i).key().equals(at.file())) {
                    file = i;
                }
            }
        }
        record(records, shard.index(), item, id, file, file < 0 ? 0 : at.line());
    }

    private static void record(SpillingSorter.Feeder records, int shard, long item, String id, int file, long line) {
        try {
            records.add(byIdKey(id.getBytes(StandardCharsets.UTF_8), shard, item, file, line), shard);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A shard read no further: a thread's sort failed, or a shard before it in the plan failed. */
    private static final class Abandoned extends RuntimeException {
        Abandoned() {
            super("abandoned", null, false, false);
        }
    }

    /** The plan's shards read by {@link #threads} threads, each taking the next shard in plan order. */
    private final class ShardReading {
        private final List<Shard> shards;
        private final ShardIds reader;
        private final SpillingSorter byId;
        private final Set<Integer> unreadable;
        private final AtomicInteger next = new AtomicInteger();
        /** The plan position of the first shard whose reading failed: no shard after it is read. */
        private final AtomicInteger failedAt = new AtomicInteger(Integer.MAX_VALUE);

        private final Map<Integer, Throwable> failures = new ConcurrentHashMap<>();
        /** A failure of the sort itself (scratch budget, disk) or of the JVM: every thread stops. */
        private final AtomicReference<Throwable> stopAll = new AtomicReference<>();

        ShardReading(List<Shard> shards, ShardIds reader, SpillingSorter byId, Set<Integer> unreadable) {
            this.shards = shards;
            this.reader = reader;
            this.byId = byId;
            this.unreadable = unreadable;
        }

        void readAll() throws IOException {
            int workers = Math.max(1, Math.min(threads, shards.size()));
            long share = Math.max(1, memoryBytes / workers);
            if (workers == 1) {
                readShards(share);
            } else {
                AtomicInteger named = new AtomicInteger();
                ExecutorService pool = Executors.newFixedThreadPool(workers, task -> {
                    Thread thread = new Thread(task, "palimpsest-duplicate-ids-" + named.incrementAndGet());
                    thread.setDaemon(true); // a SIGTERM ends the planner as it did with one thread
                    return thread;
                });
                try {
                    List<Future<?>> running = new ArrayList<>();
                    for (int i = 0; i < workers; i++) {
                        running.add(pool.submit(() -> readShards(share)));
                    }
                    for (Future<?> thread : running) {
                        try {
                            thread.get();
                        } catch (java.util.concurrent.ExecutionException e) {
                            stop(e.getCause());
                        }
                    }
                } catch (InterruptedException e) {
                    stop(new Abandoned());
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("the duplicate-id pass was interrupted");
                } finally {
                    pool.shutdownNow();
                }
            }
            Throwable failure = stopAll.get();
            if (failure == null && !failures.isEmpty()) {
                failure = failures.get(
                        failures.keySet().stream().min(Integer::compare).orElseThrow());
            }
            if (failure instanceof IOException io) {
                throw io;
            }
            if (failure instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (failure instanceof Error error) {
                throw error;
            }
            if (failure != null) {
                throw new IOException(failure);
            }
        }

        /** Stops every thread with {@code failure}, unless the pass stopped already. */
        private void stop(Throwable failure) {
            stopAll.compareAndSet(null, failure);
        }

        /** One thread: reads the next shard in plan order until none is left or the pass stops. */
        private void readShards(long share) {
            try (SpillingSorter.Feeder records = byId.feeder(share)) {
                int position;
                while (stopAll.get() == null
                        && (position = next.getAndIncrement()) < shards.size()
                        && position < failedAt.get()) {
                    Shard shard = shards.get(position);
                    int index = shard.index();
                    int at = position;
                    try {
                        boolean read = reader.read(shard, (item, id, where) -> {
                            if (stopAll.get() != null || at > failedAt.get()) {
                                throw new Abandoned();
                            }
                            try {
                                record(records, shard, item, id, where);
                            } catch (RuntimeException | Error e) {
                                stop(e);
                                throw e;
                            }
                        });
                        if (!read) {
                            unreadable.add(index);
                        }
                    } catch (Abandoned e) {
                        // a shard after the first failure, or a stopped pass: not this shard's to report
                    } catch (Error e) {
                        stop(e);
                    } catch (Throwable e) {
                        if (stopAll.get() == null) {
                            failures.put(at, e);
                            failedAt.accumulateAndGet(at, Math::min);
                        }
                    }
                }
            }
        }
    }

    /**
     * @param files the input keys of each shard's files (by shard index), which a record's file number is a place in
     */
    private Summary build(
            Storage output, int shardCount, String hash, Records records, Map<Integer, List<String>> files)
            throws IOException {
        if (scratch == null) {
            return sortAndList(output, shardCount, hash, records, files);
        }
        try {
            return sortAndList(output, shardCount, hash, records, files);
        } catch (IOException | RuntimeException e) {
            RuntimeException full = scratch.translate(e);
            if (full != null) {
                full.addSuppressed(e);
                throw full;
            }
            throw e;
        }
    }

    private Summary sortAndList(
            Storage output, int shardCount, String hash, Records records, Map<Integer, List<String>> files)
            throws IOException {
        String folder = listFolder(hash);
        output.deleteAll(folder); // a build for this manifest that stopped half-way
        Set<Integer> unreadable = new ConcurrentSkipListSet<>();
        long documents;
        ReadVerdict verdict;
        long duplicates = 0;
        long withinShards = 0;
        int shardsWithDuplicates = 0;
        ScratchBudget disk = scratch != null ? scratch : ScratchBudget.unbounded(System.getProperty("java.io.tmpdir"));
        try (SpillingSorter byId = new SpillingSorter(memoryBytes, disk);
                SpillingSorter byShard = new SpillingSorter(memoryBytes, disk)) {
            verdict = records.feed(byId, unreadable);
            unreadable.addAll(verdict.failingShards());
            documents = byId.count();
            try (SpillingSorter.Cursor sorted = byId.sorted()) {
                byte[] currentId = null;
                int firstShard = -1;
                SpillingSorter.Entry entry;
                while ((entry = sorted.next()) != null) {
                    if (unreadable.contains(entry.value())) {
                        continue;
                    }
                    byte[] key = entry.key();
                    if (currentId == null || !sameId(currentId, key)) {
                        currentId = key;
                        firstShard = entry.value();
                        continue;
                    }
                    // shard, item, the first copy's item, file and line, id: the shard's list in its item order (an
                    // item is listed once, so what follows it never decides the order); 20 bytes more per repeat
                    int idLength = key.length - 4 - AFTER_ID;
                    byShard.add(
                            ByteBuffer.allocate(LISTED_BEFORE_ID + idLength)
                                    .put(key, 4 + idLength, 12)
                                    .put(currentId, 4 + idLength + 4, 20)
                                    .put(key, 4, idLength)
                                    .array(),
                            firstShard);
                    if (entry.value() == firstShard) {
                        withinShards++;
                    } else {
                        duplicates++;
                    }
                }
            }
            try (SpillingSorter.Cursor sorted = byShard.sorted()) {
                ListWriter writer = null;
                SpillingSorter.Entry entry;
                while ((entry = sorted.next()) != null) {
                    ByteBuffer key = ByteBuffer.wrap(entry.key());
                    int shard = key.getInt();
                    long item = key.getLong();
                    long firstItem = key.getLong();
                    int firstFile = key.getInt();
                    long firstLine = key.getLong();
                    if (writer == null || writer.shard != shard) {
                        if (writer != null) {
                            writer.store(output, folder);
                        }
                        writer = new ListWriter(shard, json);
                        shardsWithDuplicates++;
                    }
                    List<String> firstFiles = files.getOrDefault(entry.value(), List.of());
                    writer.add(
                            item,
                            new String(
                                    entry.key(),
                                    LISTED_BEFORE_ID,
                                    entry.key().length - LISTED_BEFORE_ID,
                                    StandardCharsets.UTF_8),
                            entry.value(),
                            firstItem,
                            firstFile >= 0 && firstFile < firstFiles.size()
                                    ? new SourcePosition(firstFiles.get(firstFile), firstLine)
                                    : null);
                }
                if (writer != null) {
                    writer.store(output, folder);
                }
            }
        }
        ObjectNode index = json.createObjectNode();
        index.put("manifestSha256", hash);
        index.put("shards", shardCount);
        index.put("documents", documents);
        index.put("duplicates", duplicates);
        index.put("repeatsWithinShards", withinShards);
        index.put("shardsWithDuplicates", shardsWithDuplicates);
        index.putPOJO("unreadableShards", unreadable);
        index.putPOJO(WAIVED_STARTS, new TreeSet<>(verdict.waivedStarts()));
        index.put("lists", folder);
        output.put(INDEX_KEY, json.writeValueAsBytes(index));
        return new Summary(documents, duplicates, withinShards, shardsWithDuplicates, List.copyOf(unreadable), true);
    }

    /** The bytes of a {@code byShard} key before the id: shard, item, and the first copy's item, file and line. */
    private static final int LISTED_BEFORE_ID = 32;

    /**
     * The repeated ids of {@code shard}, for its worker: a source that opens the shard's list (copied to
     * {@code tempDir} when it has one; close the source to delete the copy) once per pass over the shard.
     * Refuses to run on a plan with no index, or an index of another manifest.
     */
    public ListedRepeats repeats(Storage output, byte[] manifest, int shard, Path tempDir) throws IOException {
        return copyList(output, requireIndex(output, manifest, shard), shard, tempDir);
    }

    /** A worker's source of its shard's repeats: the plan's list, or the one it made for a plan of an earlier version. */
    public interface ShardRepeats extends RepeatedIds.Source, Closeable {}

    /**
     * The repeated ids of {@code shard}, for its worker, as {@link #repeats(Storage, byte[], int, Path)}; but on a
     * plan an earlier version made (its {@value #EARLIER_INDEX_KEY} of this manifest and no {@value #INDEX_KEY} of
     * it), the shard's list is made here, the first time the source is opened: that index lists the ids of the
     * shard first seen in an earlier shard, and the repeats within the shard, which the workers of that version
     * found in memory, are found by the planner's bounded sort over one more read of the shard ({@code ownShard},
     * read as its worker reads it; spilled under {@code tempDir}). The list is the one the planner of this version
     * would have written, so the same documents are rejected as {@code duplicate_id}. A shard that is committed
     * already never opens the source, so never pays the read.
     */
    public ShardRepeats repeats(Storage output, byte[] manifest, Shard shard, Path tempDir, ShardIds ownShard)
            throws IOException {
        return repeats(output, sha256(manifest), shard, tempDir, ownShard);
    }

    /** As {@link #repeats(Storage, byte[], Shard, Path, ShardIds)}, for the manifest of SHA-256 {@code manifestSha256} (hex). */
    public ShardRepeats repeats(Storage output, String manifestSha256, Shard shard, Path tempDir, ShardIds ownShard)
            throws IOException {
        String hash = manifestSha256;
        if (indexOf(output, INDEX_KEY, hash).isEmpty()
                && indexOf(output, EARLIER_INDEX_KEY, hash).isPresent()) {
            return new EarlierPlanRepeats(output, hash, shard, tempDir, ownShard);
        }
        return copyList(output, requireIndexOf(output, hash, shard.index()), shard.index(), tempDir);
    }

    /**
     * The files whose start check a worker of the manifest of SHA-256 {@code manifestSha256} waives
     * ({@value #WAIVED_STARTS}): none for a plan whose index does not list them (an earlier version's, or none yet:
     * {@link #repeats(Storage, String, Shard, Path, ShardIds)} refuses that), so its workers check every file.
     */
    public Set<String> waivedStarts(Storage output, String manifestSha256) throws IOException {
        Optional<JsonNode> index = indexOf(output, INDEX_KEY, manifestSha256);
        if (index.isEmpty()) {
            return Set.of();
        }
        Set<String> files = new HashSet<>();
        index.get().path(WAIVED_STARTS).forEach(file -> files.add(file.asText()));
        return Set.copyOf(files);
    }

    /** The index stored at {@code key}, when there is one and it was made for the manifest of {@code hash}. */
    private Optional<JsonNode> indexOf(Storage output, String key, String hash) throws IOException {
        if (!output.exists(key)) {
            return Optional.empty();
        }
        JsonNode index = json.readTree(output.readAll(key));
        return hash.equals(index.path("manifestSha256").asText()) ? Optional.of(index) : Optional.empty();
    }

    /** The repeats of a shard of a plan with only the earlier index, listed on first use. */
    private final class EarlierPlanRepeats implements ShardRepeats {
        private final Storage output;
        private final String hash;
        private final Shard shard;
        private final Path tempDir;
        private final ShardIds ownShard;
        private ListedRepeats listed;

        EarlierPlanRepeats(Storage output, String hash, Shard shard, Path tempDir, ShardIds ownShard) {
            this.output = output;
            this.hash = hash;
            this.shard = shard;
            this.tempDir = tempDir;
            this.ownShard = ownShard;
        }

        @Override
        public RepeatedIds open() throws IOException {
            if (listed == null) {
                listed = listEarlierPlan(output, hash, shard, tempDir, ownShard);
            }
            return listed.open();
        }

        @Override
        public void close() throws IOException {
            if (listed != null) {
                listed.close();
            }
        }
    }

    private ListedRepeats listEarlierPlan(Storage output, String hash, Shard shard, Path tempDir, ShardIds ownShard)
            throws IOException {
        int index = shard.index();
        LOG.info(String.format(
                "shard-%05d: the plan was made by an earlier version: its duplicate-id index (%s) lists only the ids"
                        + " first seen in an earlier shard, so the ids repeated within this shard are found by reading it"
                        + " once more before the run (a bounded sort under %s); planning it again with this version"
                        + " saves that read",
                index, output.describe(EARLIER_INDEX_KEY), tempDir));
        Path scratch = Files.createTempDirectory(tempDir, "palimpsest-duplicates-");
        try {
            FileStorage lists = new FileStorage(Files.createDirectories(scratch.resolve("index")));
            build(
                    lists,
                    1,
                    hash,
                    (byId, unreadable) -> {
                        try (SpillingSorter.Feeder records = byId.feeder(memoryBytes)) {
                            String earlier = earlierListKey(hash, index);
                            if (output.exists(earlier)) {
                                try (BufferedReader lines = new BufferedReader(
                                        new InputStreamReader(output.open(earlier), StandardCharsets.UTF_8))) {
                                    String line;
                                    while ((line = lines.readLine()) != null) {
                                        if (!line.isBlank()) {
                                            // first seen in that (earlier) shard: it wins over every occurrence in this
                                            // one
                                            JsonNode entry = json.readTree(line);
                                            record(
                                                    records,
                                                    entry.get("first").asInt(),
                                                    0,
                                                    entry.get("id").asText(),
                                                    -1,
                                                    0);
                                        }
                                    }
                                }
                            }
                            if (!ownShard.read(shard, (item, id, at) -> record(records, shard, item, id, at))) {
                                throw new ShardDataException(
                                        "shard " + index + " could not be read to list its repeated ids", null);
                            }
                        }
                        return ReadVerdict.NONE;
                    },
                    filesOf(List.of(shard)));
            return copyList(lists, listKey(hash, index), index, tempDir);
        } finally {
            try (Stream<Path> paths = Files.walk(scratch)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    private ListedRepeats copyList(Storage output, String key, int shard, Path tempDir) throws IOException {
        if (!output.exists(key)) {
            return new ListedRepeats(shard, null, json);
        }
        Path copy = Files.createTempFile(tempDir, "palimpsest-duplicates", ".jsonl");
        try {
            output.download(key, copy);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(copy);
            throw e;
        }
        return new ListedRepeats(shard, copy, json);
    }

    /** Every listed document of {@code shard}, in item order (for tests and diagnostics: the worker streams them). */
    public List<Repeat> listed(Storage output, byte[] manifest, int shard) throws IOException {
        String key = requireIndex(output, manifest, shard);
        List<Repeat> listed = new ArrayList<>();
        if (!output.exists(key)) {
            return listed;
        }
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(output.open(key), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (!line.isBlank()) {
                    listed.add(ListedRepeats.parse(json, line));
                }
            }
        }
        return listed;
    }

    /** The key of the shard's list, once the index in force is this manifest's. */
    private String requireIndex(Storage output, byte[] manifest, int shard) throws IOException {
        return requireIndexOf(output, sha256(manifest), shard);
    }

    private String requireIndexOf(Storage output, String hash, int shard) throws IOException {
        if (indexOf(output, INDEX_KEY, hash).isEmpty()) {
            String stale = output.exists(INDEX_KEY)
                    ? "has a duplicate-id index (" + INDEX_KEY + ") made for another manifest"
                    : "has no duplicate-id index (" + INDEX_KEY + ")";
            throw new InvalidJobException("the plan at " + output.describe(ShardManifest.KEY) + " " + stale
                    + ": it was planned by an earlier version or planning stopped half-way; run `palimpsest plan` on it again"
                    + " (committed shards stay as they are)");
        }
        return listKey(hash, shard);
    }

    static String listFolder(String manifestHash) {
        return PREFIX + "items-" + manifestHash.substring(0, 16) + "/";
    }

    static String earlierListKey(String manifestHash, int shard) {
        return PREFIX + manifestHash.substring(0, 16) + String.format("/shard-%05d.jsonl", shard);
    }

    static String listKey(String manifestHash, int shard) {
        return listFolder(manifestHash) + String.format("shard-%05d.jsonl", shard);
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One shard's list, streamed to a local file and stored whole (a shard's duplicates may be many). */
    private static final class ListWriter {
        private final int shard;
        private final Path file;
        private final OutputStream out;
        private final JsonGenerator lines;

        ListWriter(int shard, ObjectMapper json) throws IOException {
            this.shard = shard;
            this.file = Files.createTempFile("palimpsest-duplicates", ".jsonl");
            this.out = new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
            this.lines = json.getFactory().createGenerator(out);
            lines.setRootValueSeparator(new SerializedString("\n"));
        }

        /** @param firstAt where the first copy is, when the pass knew it; lists without it are read as before */
        void add(long item, String id, int first, long firstItem, SourcePosition firstAt) throws IOException {
            lines.writeStartObject();
            lines.writeNumberField("item", item);
            lines.writeStringField("id", id);
            lines.writeNumberField("first", first);
            lines.writeNumberField("firstItem", firstItem);
            if (firstAt != null) {
                lines.writeStringField("firstFile", firstAt.file());
                lines.writeNumberField("firstLine", firstAt.line());
            }
            lines.writeEndObject();
        }

        void store(Storage output, String folder) throws IOException {
            try {
                lines.writeRaw('\n');
                lines.close();
                out.close();
                output.put(folder + String.format("shard-%05d.jsonl", shard), file);
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }
}
