package io.palimpsest.worker.plan;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * Spreads the ends of the shards that start together, so that their workers' pods are replaced one
 * by one rather than in bursts.
 *
 * <p>A fleet of {@code W} workers starts the first {@code W} shards at once. Numbered largest first,
 * these are shards of nearly one size (on a large input, ranges cut to {@link ShardSplitter}'s bound
 * or files of one size), so they end together: each worker's last requests drain over one
 * generation's time, its pod exits and the next one starts, all at the same moment, and the model's
 * batches run part-empty while the whole fleet does it. The next wave starts together too, and the
 * campaign keeps that rhythm to its end (P6 in docs/BENCHMARKS.md showed the fleet's running requests
 * dipping by a fifth or more at each wave's end).
 *
 * <p>So the first wave is graded: its {@code i}-th shard holds about {@code 1 - i / (2W)} of the
 * largest shard's bytes, from the largest down to half of it, and the first wave's ends spread over
 * the second half of the longest one's time. A pod that replaces one takes the next largest shard, so
 * the spread carries on through the campaign. For each place the largest remaining shard not over
 * the place's size is taken when it is within one step (1/(2W) of the largest) of it; otherwise a
 * head range of the right size is cut from the smallest shard above it (both parts at least
 * {@link ShardSplitter#MIN_ITEMS_PER_RANGE} items; the rest goes back among the others, by size,
 * usually to the campaign's end, where short shards even out the tail); failing that, the largest
 * shard under the place's size, or else the largest of all, is taken whole. Every other shard follows, largest first. The cut keeps exactly-once as any
 * range does: each part is its own shard with its own receipt.
 */
public final class FirstWave {

    /** Size of the first wave's last shard against its first. */
    static final double SMALLEST_SHARE = 0.5;

    private FirstWave() {
    }

    /** A shard in the pool: ordered largest first, then by when it entered the pool. */
    private record Entry(Shard shard, long bytes, long order) {
    }

    /**
     * {@code largestFirst} reordered (and at most {@code workers} shards cut in two) so that the first
     * {@code workers} shards are graded in size; renumbered from 0. A plan with no more shards than
     * workers, or a fleet of one, is returned as it is.
     */
    public static List<Shard> stagger(List<Shard> largestFirst, int workers, JobPlanner.ItemCounter counter) throws IOException {
        return stagger(largestFirst, workers, counter, ShardSplitter.MIN_ITEMS_PER_RANGE);
    }

    static List<Shard> stagger(List<Shard> largestFirst, int workers, JobPlanner.ItemCounter counter, long minItems) throws IOException {
        if (workers <= 1 || largestFirst.size() <= workers) {
            return largestFirst;
        }
        TreeSet<Entry> pool = new TreeSet<>(Comparator.comparingLong(Entry::bytes).reversed().thenComparingLong(Entry::order));
        long order = 0;
        for (Shard shard : largestFirst) {
            pool.add(new Entry(shard, shard.bytes(), order++));
        }
        long top = pool.first().bytes();
        double step = top * (1 - SMALLEST_SHARE) / workers;
        List<List<ShardFile>> wave = new ArrayList<>();
        for (int i = 0; i < workers && !pool.isEmpty(); i++) {
            double target = top - step * i;
            // in the pool's order, the first entry at or after this probe is the largest not over target
            Entry probe = new Entry(null, (long) Math.floor(target), Long.MIN_VALUE);
            Entry fit = pool.ceiling(probe);
            if (fit != null && fit.bytes() >= target - step) {
                pool.remove(fit);
                wave.add(fit.shard().files());
                continue;
            }
            Entry above = pool.lower(probe);
            List<List<ShardFile>> parts = above == null ? null
                    : ShardSplitter.cutHead(above.shard(), target / above.bytes(), counter, minItems);
            if (parts != null) {
                pool.remove(above);
                wave.add(parts.get(0));
                Shard rest = new Shard(-1, parts.get(1));
                pool.add(new Entry(rest, rest.bytes(), order++));
            } else {
                Entry taken = fit != null ? fit : pool.first();
                pool.remove(taken);
                wave.add(taken.shard().files());
            }
        }
        List<Shard> out = new ArrayList<>(largestFirst.size() + workers);
        for (List<ShardFile> files : wave) {
            out.add(new Shard(out.size(), files));
        }
        for (Entry e : pool) {
            out.add(new Shard(out.size(), e.shard().files()));
        }
        return out;
    }
}
