package io.palimpsest.worker.preview;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FileSignature;
import io.palimpsest.worker.format.FileStartCheck;
import io.palimpsest.worker.format.InputFormat;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.ShardDataException;
import io.palimpsest.worker.plan.DuplicateIdIndex;
import io.palimpsest.worker.plan.ListedRepeats;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.run.ShardInput;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Draws a preview's documents: each shard's quota ({@link SampleAllocation}) by reservoir sampling
 * over the shard's items, read in the order a worker reads them ({@link ShardInput}: the same
 * duplicate rule, found the same bounded way, the same unusable lines). A shard that gives documents is read to its end, which
 * also counts its items exactly; the plan's other shards are known by their bytes only. A shard with
 * fewer items than its quota hands the rest to the shards that have items left (or to shards not
 * read yet), which are read again with their larger quota, so a sample of N draws min(N, items)
 * documents. The same seed over the same input gives the same sample.
 * <p>
 * Stratified: every item read is put in its stratum (what the recipe decides before any call: its
 * route, or a skip), which costs no model call. Each stratum keeps its own reservoir in each shard,
 * so the shard's quota can be split among its strata by their counts once the shard is read, and a
 * stratum that has documents gets at least one sampled document when the sample is large enough
 * ({@link SampleAllocation#byStratum}). The counts of every stratum over the read shards (the census)
 * let the estimate weigh each stratum by its true share instead of its share of a small sample.
 */
public final class DocumentSampler {

    /** One drawn item: its shard, its number in the shard (as checkpoints count), the item and its stratum. */
    public record Drawn(int shard, long ordinal, InputItem item, String stratum) {}

    /**
     * What reading the sampled shards found: the drawn items in (shard, ordinal) order, the shards'
     * exact counts, and the items of each stratum in the read shards, in all and per shard (by the
     * shard's index): the cells the sample was drawn from, whose sizes weigh each drawn document.
     */
    public record Sample(
            List<Drawn> items,
            int shardsRead,
            long itemsInReadShards,
            long bytesOfReadShards,
            Map<String, Long> strata,
            Map<Integer, Map<String, Long>> strataByShard) {}

    /** The stratum of every item when no classifier is given: one stratum, a plain sample. */
    public static final String ONE_STRATUM = "all documents";

    private final Storage input;
    private final DocumentReaders readers;
    private final ObjectMapper json = new ObjectMapper();

    public DocumentSampler(Storage input, DocumentReaders readers) {
        this.input = input;
        this.readers = readers;
    }

    public Sample draw(List<Shard> shards, int size, long seed) throws IOException {
        return draw(shards, size, seed, item -> ONE_STRATUM);
    }

    /** @param stratumOf an item's stratum; must not call a model (it runs on every item of the read shards) */
    public Sample draw(List<Shard> shards, int size, long seed, Function<InputItem, String> stratumOf)
            throws IOException {
        long[] bytes = shards.stream().mapToLong(Shard::bytes).toArray();
        int[] quota = SampleAllocation.quotas(bytes, size, seed);
        // each read shard's reservoirs, read with the quota they hold; a shard with fewer items than its quota
        // hands what it cannot give to the others (those with items left, then shards not read yet), which are
        // read again with their larger quota: min(size, items) documents are drawn
        Map<Integer, Map<String, Reservoir>> byIndex = new TreeMap<>();
        int[] readWith = new int[shards.size()];
        long[] seen = new long[shards.size()];
        for (int pass = 0; ; pass++) {
            for (int i = 0; i < shards.size(); i++) {
                if (quota[i] == 0 || readWith[i] >= quota[i]) {
                    continue;
                }
                Shard shard = shards.get(i);
                Map<String, Reservoir> kept =
                        reservoir(shard, quota[i], new Random(seed * 1_000_003L + shard.index()), stratumOf);
                byIndex.put(i, kept);
                readWith[i] = quota[i];
                seen[i] = kept.values().stream().mapToLong(r -> r.seen).sum();
            }
            int given = 0;
            for (int i = 0; i < shards.size(); i++) {
                if (byIndex.containsKey(i)) {
                    quota[i] = (int) Math.min(quota[i], seen[i]);
                }
                given += quota[i];
            }
            int spare = size - given;
            List<Integer> room = new ArrayList<>();
            for (int i = 0; i < shards.size(); i++) {
                if (byIndex.containsKey(i) ? seen[i] > quota[i] : quota[i] == 0) {
                    room.add(i);
                }
            }
            if (spare <= 0 || room.isEmpty()) {
                break;
            }
            int[] extra = SampleAllocation.quotas(
                    room.stream().mapToLong(i -> bytes[i]).toArray(), spare, seed + pass + 1);
            for (int k = 0; k < room.size(); k++) {
                int i = room.get(k);
                quota[i] += byIndex.containsKey(i) ? (int) Math.min(extra[k], seen[i] - quota[i]) : extra[k];
            }
        }
        List<Integer> readIndex = new ArrayList<>();
        List<Map<String, Reservoir>> reservoirs = new ArrayList<>();
        long items = 0;
        long readBytes = 0;
        Map<String, Long> census = new TreeMap<>();
        Map<Integer, Map<String, Long>> byShard = new TreeMap<>();
        for (Map.Entry<Integer, Map<String, Reservoir>> e : byIndex.entrySet()) {
            int i = e.getKey();
            Map<String, Reservoir> kept = e.getValue();
            kept.forEach((stratum, r) -> census.merge(stratum, r.seen, Long::sum));
            Map<String, Long> cell = new TreeMap<>();
            kept.forEach((stratum, r) -> cell.put(stratum, r.seen));
            byShard.put(shards.get(i).index(), Collections.unmodifiableMap(cell));
            items += seen[i];
            readIndex.add(i);
            reservoirs.add(kept);
            readBytes += shards.get(i).bytes();
        }
        List<Map<String, Long>> counts = new ArrayList<>();
        int[] readQuota = new int[readIndex.size()];
        for (int k = 0; k < readIndex.size(); k++) {
            Map<String, Long> c = new TreeMap<>();
            reservoirs.get(k).forEach((stratum, r) -> c.put(stratum, r.seen));
            counts.add(c);
            readQuota[k] = quota[readIndex.get(k)];
        }
        List<Map<String, Integer>> take = SampleAllocation.byStratum(counts, readQuota);
        List<Drawn> drawn = new ArrayList<>();
        for (int k = 0; k < readIndex.size(); k++) {
            Shard shard = shards.get(readIndex.get(k));
            for (Map.Entry<String, Integer> e : take.get(k).entrySet()) {
                List<Drawn> pool = reservoirs.get(k).get(e.getKey()).kept;
                if (e.getValue() < pool.size()) {
                    // a uniform subset of a uniform reservoir is a uniform sample of the stratum
                    pool = new ArrayList<>(pool);
                    Collections.shuffle(
                            pool,
                            new Random(seed * 1_000_003L
                                    + shard.index() * 31L
                                    + e.getKey().hashCode()));
                    pool = pool.subList(0, e.getValue());
                }
                drawn.addAll(pool);
            }
        }
        drawn.sort(Comparator.comparingInt(Drawn::shard).thenComparingLong(Drawn::ordinal));
        return new Sample(
                List.copyOf(drawn),
                readIndex.size(),
                items,
                readBytes,
                Collections.unmodifiableMap(census),
                Collections.unmodifiableMap(byShard));
    }

    /** One stratum's reservoir in one shard: up to the shard's quota of its items, and how many it saw. */
    private static final class Reservoir {
        final List<Drawn> kept = new ArrayList<>();
        long seen;
    }

    /** Algorithm R per stratum: after n items of a stratum each has had the same chance quota/n of being kept. */
    private Map<String, Reservoir> reservoir(
            Shard shard, int quota, Random random, Function<InputItem, String> stratumOf) throws IOException {
        Map<String, Reservoir> byStratum = new TreeMap<>();
        long ordinal = 0;
        Path scratch = Files.createTempDirectory("palimpsest-preview-ids");
        Set<String> waivedStarts = new HashSet<>();
        try (ListedRepeats repeats = repeatsOf(shard, scratch, waivedStarts);
                ShardInput items = new ShardInput(input, shard, readers, repeats.open(), bytes -> {}, waivedStarts)) {
            InputItem item;
            while ((item = items.next()) != null) {
                String stratum = stratumOf.apply(item);
                Reservoir r = byStratum.computeIfAbsent(stratum, s -> new Reservoir());
                Drawn d = new Drawn(shard.index(), ordinal, item, stratum);
                if (r.kept.size() < quota) {
                    r.kept.add(d);
                } else {
                    long slot = (long) (random.nextDouble() * (r.seen + 1));
                    if (slot < quota) {
                        r.kept.set((int) slot, d);
                    }
                }
                r.seen++;
                ordinal++;
            }
        } finally {
            deleteAll(scratch);
        }
        return byStratum;
    }

    /**
     * The shard's repeated ids as a worker gets them: found by the planner's bounded sort (in a scratch
     * folder) and streamed beside the items, so that reading a shard of millions of documents holds no
     * set of its ids. A pass over the shard before the sampling one. It judges the shard's files as the planner's
     * duplicate-id pass does: a file whose first items are no document but which holds one further on is added to
     * {@code waivedStarts} (the plan vouches for it, and its worker rejects those lines), and one that holds no
     * document fails the preview in its worker's words, but for what was read: all of the file's lines (or of its
     * item range's), not a worker's first ones (the planner refuses it).
     */
    private ListedRepeats repeatsOf(Shard shard, Path scratch, Set<String> waivedStarts) throws IOException {
        FileStorage index = new FileStorage(Files.createDirectories(scratch.resolve("index")));
        byte[] names = ("preview of shard " + shard.index() + ": " + shard.files()).getBytes(StandardCharsets.UTF_8);
        DuplicateIdIndex ids = new DuplicateIdIndex(json);
        // each file's items as read here, to its end (or its range's): the words of a failure say what was read,
        // not a worker's first lines
        Map<String, FileStartCheck> read = new HashMap<>();
        Set<String> ranges = new HashSet<>();
        shard.files().stream().filter(f -> f.firstItem() != null).forEach(f -> ranges.add(f.key()));
        List<ShardInput.UnreadableStart> unreadableStarts = new ArrayList<>();
        ids.ensure(index, List.of(shard), names, (part, sink) -> {
            ShardInput.eachId(
                    input,
                    part,
                    readers,
                    sink,
                    item -> read.computeIfAbsent(
                                    item.position().file(),
                                    key -> ranges.contains(key)
                                            ? FileStartCheck.wholeRange(readers.fields())
                                            : FileStartCheck.wholeFile(readers.fields()))
                            .take(item),
                    unreadableStarts::add);
            return true;
        });
        for (ShardInput.UnreadableStart start : unreadableStarts) {
            FileStartCheck whole = read.get(start.key());
            if (whole == null || !whole.document()) {
                InputFormat format = readers.formatOf(start.key());
                String problem = whole == null
                        ? start.problem()
                        : whole.problem(
                                        input.describe(start.key()),
                                        format,
                                        FileSignature.mismatch(input, start.key(), format))
                                .orElse(start.problem());
                throw new ShardDataException(problem, null);
            }
            waivedStarts.add(start.key());
        }
        return ids.repeats(index, names, shard.index(), scratch);
    }

    private static void deleteAll(Path folder) throws IOException {
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
