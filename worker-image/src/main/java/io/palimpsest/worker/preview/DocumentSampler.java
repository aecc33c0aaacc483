package io.palimpsest.worker.preview;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.run.ShardInput;
import io.palimpsest.worker.storage.Storage;

/**
 * Draws a preview's documents: each shard's quota ({@link SampleAllocation}) by reservoir sampling
 * over the shard's items, read in the order a worker reads them ({@link ShardInput}: the same
 * duplicate rule, the same unusable lines). A shard that gives documents is read to its end, which
 * also counts its items exactly; the plan's other shards are known by their bytes only. The same
 * seed over the same input gives the same sample.
 */
public final class DocumentSampler {

    /** One drawn item: its shard, its number in the shard (as checkpoints count), and the item. */
    public record Drawn(int shard, long ordinal, InputItem item) {
    }

    /** What reading the sampled shards found: the drawn items in (shard, ordinal) order, and the shards' exact counts. */
    public record Sample(List<Drawn> items, int shardsRead, long itemsInReadShards, long bytesOfReadShards) {
    }

    private final Storage input;
    private final DocumentReaders readers;

    public DocumentSampler(Storage input, DocumentReaders readers) {
        this.input = input;
        this.readers = readers;
    }

    public Sample draw(List<Shard> shards, int size, long seed) throws IOException {
        long[] bytes = shards.stream().mapToLong(Shard::bytes).toArray();
        int[] quota = SampleAllocation.quotas(bytes, size, seed);
        List<Drawn> drawn = new ArrayList<>();
        int read = 0;
        long items = 0;
        long readBytes = 0;
        for (int i = 0; i < shards.size(); i++) {
            if (quota[i] == 0) {
                continue;
            }
            Shard shard = shards.get(i);
            ShardCount count = reservoir(shard, quota[i], new Random(seed * 1_000_003L + shard.index()), drawn);
            read++;
            items += count.items;
            readBytes += shard.bytes();
        }
        drawn.sort(Comparator.comparingInt(Drawn::shard).thenComparingLong(Drawn::ordinal));
        return new Sample(List.copyOf(drawn), read, items, readBytes);
    }

    private record ShardCount(long items) {
    }

    /** Algorithm R: after n items each has had the same chance quota/n of being kept. */
    private ShardCount reservoir(Shard shard, int quota, Random random, List<Drawn> into) throws IOException {
        List<Drawn> kept = new ArrayList<>(quota);
        long ordinal = 0;
        try (ShardInput items = new ShardInput(input, shard, readers)) {
            InputItem item;
            while ((item = items.next()) != null) {
                if (kept.size() < quota) {
                    kept.add(new Drawn(shard.index(), ordinal, item));
                } else {
                    long slot = (long) (random.nextDouble() * (ordinal + 1));
                    if (slot < quota) {
                        kept.set((int) slot, new Drawn(shard.index(), ordinal, item));
                    }
                }
                ordinal++;
            }
        }
        into.addAll(kept);
        return new ShardCount(ordinal);
    }
}
