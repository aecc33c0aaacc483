package io.palimpsest.worker.plan;

import io.palimpsest.worker.storage.StoredObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Cuts a listing into shards, deterministically: files are taken in key order, so the same input
 * always gives the same shards, and shard N of a rerun is shard N of the first run.
 *
 * <p>Shards are numbered largest first (by bytes; equal sizes in key order). Kubernetes starts an
 * Indexed Job's pods in index order, so the longest shards start first and the end of a campaign is
 * made of the shortest ones: longest-processing-time-first scheduling, which keeps a few large
 * shards started late from running on alone while the rest of the fleet idles.
 *
 * <p>Grouping never splits a file: a file larger than the byte target becomes a shard of its own.
 * Cutting by bytes would only be possible for uncompressed JSONL (gzip and zstd streams cannot be
 * entered mid-way). A shard long for the fleet that runs it is cut afterwards, by item count, into
 * item ranges that workers reach by reading the file from its top ({@link ShardSplitter}), which keeps
 * the line numbers in rejects and the missing-id fallback ({@code file:line}) those of the whole file.
 */
public final class ShardPlanner {

    private final ShardingPolicy policy;

    public ShardPlanner(ShardingPolicy policy) {
        this.policy = policy;
    }

    public List<Shard> plan(List<StoredObject> inputs) {
        return largestFirst(group(inputs));
    }

    /** The shards in key order, numbered so: what a limit on the number of items is taken from. */
    public List<Shard> group(List<StoredObject> inputs) {
        List<StoredObject> sorted = new ArrayList<>(inputs);
        sorted.sort(Comparator.comparing(StoredObject::key));
        return policy.filesPerShard() != null
                ? byFileCount(sorted, policy.filesPerShard())
                : byBytes(sorted, targetBytes());
    }

    /** Renumbers {@code grouped} by bytes, largest first; equal sizes keep their order. */
    public static List<Shard> largestFirst(List<Shard> grouped) {
        List<Shard> bySize = new ArrayList<>(grouped);
        bySize.sort(Comparator.comparingLong(Shard::bytes).reversed().thenComparingInt(Shard::index));
        List<Shard> numbered = new ArrayList<>(bySize.size());
        for (Shard shard : bySize) {
            numbered.add(new Shard(numbered.size(), shard.files()));
        }
        return numbered;
    }

    private long targetBytes() {
        return policy.targetShardBytes() != null ? policy.targetShardBytes() : ShardingPolicy.DEFAULT_TARGET_BYTES;
    }

    private static List<Shard> byFileCount(List<StoredObject> files, int perShard) {
        List<Shard> shards = new ArrayList<>();
        for (int from = 0; from < files.size(); from += perShard) {
            shards.add(new Shard(
                    shards.size(), toShardFiles(files.subList(from, Math.min(files.size(), from + perShard)))));
        }
        return shards;
    }

    private static List<Shard> byBytes(List<StoredObject> files, long target) {
        List<Shard> shards = new ArrayList<>();
        List<StoredObject> current = new ArrayList<>();
        long currentBytes = 0;
        for (StoredObject file : files) {
            if (!current.isEmpty() && currentBytes + file.size() > target) {
                shards.add(new Shard(shards.size(), toShardFiles(current)));
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(file);
            currentBytes += file.size();
        }
        if (!current.isEmpty()) {
            shards.add(new Shard(shards.size(), toShardFiles(current)));
        }
        return shards;
    }

    private static List<ShardFile> toShardFiles(List<StoredObject> objects) {
        return objects.stream()
                .map(o -> new ShardFile(o.key(), o.size(), null, null, o.version()))
                .toList();
    }
}
