package io.palimpsest.worker.plan;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import io.palimpsest.worker.storage.InputRoot;
import io.palimpsest.worker.storage.KeyFilter;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;

/**
 * {@code palimpsest plan}: lists the input, cuts shards and stores the manifest. The manifest is
 * written once (conditional create): once workers have committed shards against it, a changed
 * listing (new files landed) must not renumber the shards, so a second plan keeps the first manifest.
 */
public final class JobPlanner {

    /** What planning found: the shards in force and whether this call wrote them. */
    public record Result(List<Shard> shards, boolean written, boolean existingDiffers) {
        public int shardCount() {
            return shards.size();
        }
    }

    private final ShardPlanner planner;
    private final ShardManifest manifest;

    public JobPlanner(ShardPlanner planner, ShardManifest manifest) {
        this.planner = planner;
        this.manifest = manifest;
    }

    /** Counts the items of one input file, stopping at {@code atMost}. */
    @FunctionalInterface
    public interface ItemCounter {
        long count(String key, long atMost) throws IOException;
    }

    public Result plan(InputRoot input, KeyFilter filter, Storage output) throws IOException {
        return plan(input, filter, output, null, null);
    }

    /** @param limit {@code input.limit}: at most this many items in all, taken in key order (null: no limit) */
    public Result plan(InputRoot input, KeyFilter filter, Storage output, Long limit, ItemCounter counter) throws IOException {
        List<StoredObject> files = listInput(input, filter);
        // no matching files is a valid plan of zero shards: the operator reports it, nothing runs
        List<Shard> shards = planner.group(files);
        if (limit != null) {
            shards = applyLimit(shards, limit, counter);
        }
        shards = ShardPlanner.largestFirst(shards);
        byte[] serialized = manifest.serialize(shards);
        if (output.createIfAbsent(ShardManifest.KEY, serialized)) {
            return new Result(shards, true, false);
        }
        byte[] existing = output.readAll(ShardManifest.KEY);
        boolean differs = !Arrays.equals(existing, serialized);
        return new Result(differs ? manifest.read(output) : shards, false, differs);
    }

    /** Keeps whole files while they fit under the limit, cuts the file that reaches it, drops the rest. */
    static List<Shard> applyLimit(List<Shard> shards, long limit, ItemCounter counter) throws IOException {
        List<Shard> limited = new java.util.ArrayList<>();
        long remaining = limit;
        for (Shard shard : shards) {
            List<ShardFile> kept = new java.util.ArrayList<>();
            for (ShardFile file : shard.files()) {
                if (remaining <= 0) {
                    break;
                }
                long items = counter.count(file.key(), remaining + 1);
                if (items > remaining) {
                    kept.add(new ShardFile(file.key(), file.bytes(), remaining));
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

    private static List<StoredObject> listInput(InputRoot input, KeyFilter filter) throws IOException {
        if (input.singleKey().isPresent()) {
            String key = input.singleKey().get();
            return input.storage().list(key).stream().filter(o -> o.key().equals(key)).toList();
        }
        return input.storage().list("").stream().filter(o -> filter.test(o.key())).toList();
    }
}
