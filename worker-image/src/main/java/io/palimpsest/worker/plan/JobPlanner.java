package io.palimpsest.worker.plan;

import io.palimpsest.worker.config.InputNotReadyException;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.storage.ConditionalWrites;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.HardLinksRefusedException;
import io.palimpsest.worker.storage.InputRoot;
import io.palimpsest.worker.storage.KeyFilter;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * {@code palimpsest plan}: lists the input, cuts shards and stores the manifest. The manifest is
 * written once (conditional create): once workers have committed shards against it, a changed
 * listing (new files landed) must not renumber the shards, so a later plan keeps the first manifest
 * and reports the difference. While nothing under the output has been committed or checkpointed, a
 * manifest that no longer matches the listing is replaced: it was planned from input since fixed.
 * A plan that cannot be right stops: input that does not exist, matches no file, or yields no shard.
 */
public final class JobPlanner {
    /** What a refusal of the input's location is about, at its line in a manifest file. */
    private static final ManifestField INPUT_URI = ManifestField.job("spec.input.uri");

    /** What takes the input's files: the globs the manifest writes, else the URI they apply to. */
    private static final List<ManifestField> INPUT_GLOBS =
            List.of(ManifestField.job("spec.input.include"), ManifestField.job("spec.input.exclude"), INPUT_URI);

    /**
     * What planning found: the shards in force, whether this call wrote them, whether a kept manifest
     * differs from the current listing (then {@code difference} says how), and whether it was replaced.
     */
    public record Result(
            List<Shard> shards, boolean written, boolean existingDiffers, boolean replanned, String difference) {
        public int shardCount() {
            return shards.size();
        }
    }

    private final ShardPlanner planner;
    private final ShardManifest manifest;
    private final InputCheck inputCheck;

    public JobPlanner(ShardPlanner planner, ShardManifest manifest) {
        this(planner, manifest, (input, listed) -> listed);
    }

    private JobPlanner(ShardPlanner planner, ShardManifest manifest, InputCheck inputCheck) {
        this.planner = planner;
        this.manifest = manifest;
        this.inputCheck = inputCheck;
    }

    /**
     * A look at the input's listing before it is cut (and before it is found empty or unmatched): refuses what
     * must not be read at all, and leaves out what must not be read of what may ({@link UnfinishedInputs}).
     */
    @FunctionalInterface
    public interface InputCheck {
        /**
         * @param listed every object the input's listing gave, before the include/exclude filter
         * @return the objects of {@code listed} the plan may take
         */
        List<StoredObject> check(InputRoot input, List<StoredObject> listed) throws IOException;
    }

    /** This planner, looking at the input's listing with {@code check} before cutting it. */
    public JobPlanner checkingInput(InputCheck check) {
        return new JobPlanner(planner, manifest, check);
    }

    /** Counts the items of one input file, stopping at {@code atMost}. */
    @FunctionalInterface
    public interface ItemCounter {
        long count(String key, long atMost) throws IOException;

        /** The listed file's items: a counter that reads the store may compare the version the listing gave. */
        default long count(ShardFile file, long atMost) throws IOException {
            return count(file.key(), atMost);
        }
    }

    public Result plan(InputRoot input, KeyFilter filter, Storage output) throws IOException {
        return plan(input, filter, output, null, null);
    }

    /** @param limit {@code input.limit}: at most this many items in all, taken in key order (null: no limit) */
    public Result plan(InputRoot input, KeyFilter filter, Storage output, Long limit, ItemCounter counter)
            throws IOException {
        return store(output, cut(input, filter, limit, counter));
    }

    /** The shards the input makes, written nowhere; refuses input that does not exist, matches no file or yields no shard. */
    public List<Shard> cut(InputRoot input, KeyFilter filter, Long limit, ItemCounter counter) throws IOException {
        return cut(input, null, filter, limit, counter);
    }

    /** @param inputUri the input as the job names it, for messages (null: the storage's own description) */
    public List<Shard> cut(InputRoot input, String inputUri, KeyFilter filter, Long limit, ItemCounter counter)
            throws IOException {
        return cut(input, inputUri, filter, limit, counter, null);
    }

    /**
     * @param fleetWorkers workers the job's model keeps busy at once, when known: shards long for that
     *                     fleet are cut into item ranges ({@link ShardSplitter}) and the first wave's
     *                     shards ordered so their ends spread ({@link ShardOrder}); null keeps whole shards, largest first
     */
    public List<Shard> cut(
            InputRoot input, String inputUri, KeyFilter filter, Long limit, ItemCounter counter, Integer fleetWorkers)
            throws IOException {
        String where = inputUri != null
                ? inputUri
                : input.storage().describe()
                        + input.singleKey().map(k -> "/" + k).orElse("");
        List<StoredObject> files = matchingInput(input, where, filter);
        if (files.stream().allMatch(f -> f.size() == 0)) {
            throw new InputNotReadyException(
                    "the plan has no shards: the " + files.size() + " matching file(s) under " + where + " are empty");
        }
        List<Shard> shards = planner.group(files);
        if (limit != null) {
            shards = applyLimit(shards, limit, counter);
        }
        if (fleetWorkers != null) {
            shards = ShardSplitter.split(shards, fleetWorkers, counter);
        }
        shards = ShardPlanner.largestFirst(shards);
        if (fleetWorkers != null) {
            shards = ShardOrder.staggered(shards, fleetWorkers, counter);
        }
        if (shards.isEmpty()) {
            throw new InvalidJobException(
                    "the plan has no shards: the " + files.size() + " matching file(s) under " + where
                            + " hold no items within input.limit",
                    List.of(ManifestField.job("spec.input.limit"), INPUT_URI));
        }
        return shards;
    }

    /** Stores the plan, or keeps the one stored (replacing it while no work has started). */
    public Result store(Storage output, List<Shard> shards) throws IOException {
        boolean honoured;
        try {
            honoured = ConditionalWrites.honoured(output);
        } catch (HardLinksRefusedException e) {
            throw new InvalidJobException(ManifestField.job("spec.output.uri"), e.refusalOf(output.describe()));
        }
        if (!honoured) {
            throw new InvalidJobException("the output store " + output.describe() + " does not refuse a second"
                    + " create of one key (S3 PutObject with If-None-Match: *), and exactly-once commits depend on"
                    + " it: use AWS S3, MinIO RELEASE.2024-05-07 or later, or another store that answers such a"
                    + " write 412 Precondition Failed");
        }
        byte[] serialized = manifest.serialize(shards);
        if (output.createIfAbsent(ShardManifest.KEY, serialized)) {
            indexOffsets(output, serialized);
            return new Result(shards, true, false, false, null);
        }
        byte[] existing = output.readAll(ShardManifest.KEY);
        if (Arrays.equals(existing, serialized)) {
            indexOffsets(output, serialized);
            return new Result(shards, false, false, false, null);
        }
        List<Shard> kept = manifest.read(output);
        if (kept.equals(shards) || kept.equals(withoutVersions(shards))) {
            // the same plan in other words, stored by an earlier version and kept as it is, not taken for a changed
            // input: one that recorded no versions of its files (its workers compare their sizes, as they did), or
            // an s3:// plan of the version that first recorded ETags, as `etag`
            indexOffsets(output, existing);
            return new Result(kept, false, false, false, null);
        }
        String difference = difference(kept, shards);
        if (!workStarted(output)) {
            // no index of the manifest being replaced may outlive it: until the new one is written, a worker
            // reads the whole manifest and checks it against the duplicate-id index, which refuses it
            output.delete(ShardOffsets.KEY);
            output.put(ShardManifest.KEY, serialized);
            indexOffsets(output, serialized);
            return new Result(shards, true, true, true, difference);
        }
        indexOffsets(output, existing);
        return new Result(kept, false, true, false, difference);
    }

    /**
     * Stores where each shard's line lies in the manifest in force ({@link ShardOffsets}), before the
     * duplicate-id index that marks the plan complete; a plan kept from an earlier version gets one too.
     */
    private static void indexOffsets(Storage output, byte[] manifest) throws IOException {
        output.put(ShardOffsets.KEY, ShardOffsets.of(manifest));
    }
    /** Keeps whole files while they fit under the limit, cuts the file that reaches it, drops the rest. */
    static List<Shard> applyLimit(List<Shard> shards, long limit, ItemCounter counter) throws IOException {
        List<Shard> limited = new ArrayList<>();
        long remaining = limit;
        for (Shard shard : shards) {
            List<ShardFile> kept = new ArrayList<>();
            for (ShardFile file : shard.files()) {
                if (remaining <= 0) {
                    break;
                }
                long items = counter.count(file, remaining + 1);
                if (items > remaining) {
                    kept.add(new ShardFile(file.key(), file.bytes(), remaining, null, file.version()));
                    remaining = 0;
                } else {
                    kept.add(file);
                    remaining -= items;
                }
            }
            if (!kept.isEmpty()) {
                limited.add(new Shard(limited.size(), kept));
            }
            if (remaining <= 0) {
                break;
            }
        }
        return limited;
    }

    /**
     * Where on this machine's file system a {@code pvc://} input was looked for: the URI names a claim, and whether
     * it is there depends on where claims are mounted (a pod's /mnt/pvc, or a folder set by hand), which the URI
     * does not say. Empty for any other input, whose URI is where it was read.
     */
    private static String readAt(InputRoot input, String where) {
        if (!where.startsWith("pvc://") || !(input.storage() instanceof FileStorage files)) {
            return "";
        }
        String claim = where.substring("pvc://".length()).split("/", 2)[0];
        Path folder = input.singleKey().map(files.root()::resolve).orElse(files.root());
        return " (read at " + folder + ", where the claim " + claim + " is mounted: claims are read under"
                + " $PALIMPSEST_PVC_ROOT, or plan's and run's --pvc-root, else /mnt/pvc)";
    }

    /** The files the plan takes; refuses input that does not exist or of which the globs take nothing. */
    private List<StoredObject> matchingInput(InputRoot input, String where, KeyFilter filter) throws IOException {
        if (input.singleKey().isPresent()) {
            String key = input.singleKey().get();
            List<StoredObject> found = inputCheck.check(
                    input,
                    input.storage().list(key).stream()
                            .filter(o -> o.key().equals(key))
                            .toList());
            if (found.isEmpty()) {
                throw new InputNotReadyException(
                        INPUT_URI, "spec.input.uri " + where + " does not exist" + readAt(input, where));
            }
            return found;
        }
        List<StoredObject> all = inputCheck.check(input, input.storage().list(""));
        if (all.isEmpty()) {
            throw new InputNotReadyException(
                    INPUT_URI, "spec.input.uri " + where + " does not exist or holds no files" + readAt(input, where));
        }
        List<StoredObject> taken =
                all.stream().filter(o -> filter.test(o.key())).toList();
        if (taken.isEmpty()) {
            String examples = all.stream().limit(3).map(StoredObject::key).collect(Collectors.joining(", "));
            throw new InputNotReadyException(
                    "no file under " + where + " matches " + filter.describe() + " (" + all.size()
                            + " file(s) there, e.g. " + examples + ")",
                    INPUT_GLOBS);
        }
        DatasetCardFiles.refuse(taken, where);
        return taken;
    }

    /**
     * Anything besides the plan (its manifest and offset index, recipe, input record and duplicate-id index) or a store probe
     * (of conditional writes, or of a folder's writes: {@link UnwritableOutput}) left by a killed planner under the output's internal
     * folder: a receipt, a checkpoint (outputs come with receipts).
     */
    public static boolean workStarted(Storage output) throws IOException {
        return output.list("_palimpsest/").stream()
                .anyMatch(o -> !o.key().equals(ShardManifest.KEY)
                        && !o.key().equals(ShardOffsets.KEY)
                        && !o.key().equals(RecipeMarker.KEY)
                        && !o.key().equals(PlannedInput.KEY)
                        && !o.key().startsWith(DuplicateIdIndex.PREFIX)
                        && !o.key().startsWith(ConditionalWrites.PROBE_PREFIX)
                        && !o.key().substring(o.key().lastIndexOf('/') + 1).startsWith(UnwritableOutput.WRITE_PROBE));
    }

    private static List<Shard> withoutVersions(List<Shard> shards) {
        return shards.stream()
                .map(s -> new Shard(
                        s.index(),
                        s.files().stream()
                                .map(f -> new ShardFile(f.key(), f.bytes(), f.maxItems(), f.firstItem(), null))
                                .toList()))
                .toList();
    }

    /** Which files the kept manifest has that the listing has not, and the other way round. */
    static String difference(List<Shard> kept, List<Shard> listed) {
        Set<String> before = keys(kept);
        Set<String> now = keys(listed);
        List<String> gone =
                before.stream().filter(k -> !now.contains(k)).sorted().toList();
        List<String> added =
                now.stream().filter(k -> !before.contains(k)).sorted().toList();
        StringBuilder out = new StringBuilder();
        if (!gone.isEmpty()) {
            out.append(gone.size())
                    .append(" planned file(s) no longer listed (")
                    .append(sample(gone))
                    .append(")");
        }
        if (!added.isEmpty()) {
            out.append(out.length() == 0 ? "" : "; ")
                    .append(added.size())
                    .append(" new file(s) not in the plan (")
                    .append(sample(added))
                    .append(")");
        }
        List<String> changed = changedSizes(kept, listed);
        if (!changed.isEmpty()) {
            out.append(out.length() == 0 ? "" : "; ")
                    .append(changed.size())
                    .append(" planned file(s) changed since the plan (")
                    .append(sample(changed))
                    .append(")");
        }
        List<String> rewritten = changedVersions(kept, listed);
        if (!rewritten.isEmpty()) {
            out.append(out.length() == 0 ? "" : "; ")
                    .append(rewritten.size())
                    .append(" planned file(s) of the same size rewritten or touched since the plan (another version: ")
                    .append(sample(rewritten))
                    .append(")");
        }
        List<String> limited = otherCounts(kept, listed);
        if (!limited.isEmpty()) {
            out.append(out.length() == 0 ? "" : "; ")
                    .append(limited.size())
                    .append(" planned file(s) read to another number of documents (")
                    .append(sample(limited))
                    .append("; spec.input.limit differs from the plan's)");
        }
        return out.length() == 0 ? "the same files, cut or sized differently" : out.toString();
    }

    /**
     * The files each plan reads once from the top, one of them only to a number of documents (the file where
     * {@code input.limit} ends the plan), that the two plans read to different numbers ("key: 500 -> 1000
     * documents").
     */
    private static List<String> otherCounts(List<Shard> kept, List<Shard> listed) {
        Map<String, ShardFile> before = filesReadOnceFromTheTop(kept);
        Map<String, ShardFile> now = filesReadOnceFromTheTop(listed);
        return before.values().stream()
                .filter(f -> now.containsKey(f.key())
                        && !Objects.equals(f.maxItems(), now.get(f.key()).maxItems()))
                .map(f -> f.key() + ": " + count(f) + " -> " + count(now.get(f.key())) + " documents")
                .toList();
    }

    private static String count(ShardFile file) {
        return file.maxItems() == null ? "all" : Long.toString(file.maxItems());
    }

    private static Map<String, ShardFile> filesReadOnceFromTheTop(List<Shard> shards) {
        Map<String, List<ShardFile>> byKey = new TreeMap<>();
        shards.forEach(s -> s.files().forEach(f -> byKey.computeIfAbsent(f.key(), k -> new ArrayList<>())
                .add(f)));
        Map<String, ShardFile> once = new TreeMap<>();
        byKey.forEach((key, parts) -> {
            if (parts.size() == 1 && parts.get(0).firstItem() == null) {
                once.put(key, parts.get(0));
            }
        });
        return once;
    }

    /**
     * The files planned whole in both plans whose size differs ("key: before -> now bytes"): a file written to
     * since, whose committed shard will not read what it gained.
     */
    private static List<String> changedSizes(List<Shard> kept, List<Shard> listed) {
        Map<String, Long> before = wholeFileSizes(kept);
        Map<String, Long> now = wholeFileSizes(listed);
        return before.entrySet().stream()
                .filter(e -> now.containsKey(e.getKey()) && !now.get(e.getKey()).equals(e.getValue()))
                .map(e -> e.getKey() + ": " + e.getValue() + " -> " + now.get(e.getKey()) + " bytes")
                .toList();
    }

    /** The files both plans recorded a version of, whose versions differ, and whose sizes do not (said above). */
    private static List<String> changedVersions(List<Shard> kept, List<Shard> listed) {
        Map<String, ShardFile> before = new TreeMap<>();
        kept.forEach(s -> s.files().forEach(f -> before.putIfAbsent(f.key(), f)));
        Map<String, ShardFile> now = new TreeMap<>();
        listed.forEach(s -> s.files().forEach(f -> now.putIfAbsent(f.key(), f)));
        Map<String, Long> sizesBefore = wholeFileSizes(kept);
        Map<String, Long> sizesNow = wholeFileSizes(listed);
        return before.values().stream()
                .filter(f -> f.version() != null
                        && now.containsKey(f.key())
                        && now.get(f.key()).version() != null
                        && !f.version().equals(now.get(f.key()).version())
                        && Objects.equals(sizesBefore.get(f.key()), sizesNow.get(f.key())))
                .map(ShardFile::key)
                .toList();
    }

    private static Map<String, Long> wholeFileSizes(List<Shard> shards) {
        Map<String, Long> sizes = new TreeMap<>();
        shards.forEach(s -> s.files().stream()
                .filter(f -> f.maxItems() == null && f.firstItem() == null)
                .forEach(f -> sizes.put(f.key(), f.bytes())));
        return sizes;
    }

    private static Set<String> keys(List<Shard> shards) {
        Set<String> keys = new TreeSet<>();
        shards.forEach(s -> s.files().forEach(f -> keys.add(f.key())));
        return keys;
    }

    private static String sample(List<String> keys) {
        return keys.stream().limit(3).collect(Collectors.joining(", ")) + (keys.size() > 3 ? ", ..." : "");
    }
}
