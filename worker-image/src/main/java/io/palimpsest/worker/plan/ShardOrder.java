package io.palimpsest.worker.plan;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/**
 * The order workers take shards in, so that shard ends, and the pod starts after them, spread over
 * time rather than falling together.
 *
 * <p>A fleet of {@code W} workers starts the first {@code W} shards at once, and a pod that ends is
 * replaced by one taking the next shard. Numbered largest first, the first shards are of nearly one
 * size (on a large input, ranges cut to {@link ShardSplitter}'s bound or files of one size), so they
 * end together: each worker's last requests drain over one generation's time, its pod exits and the
 * next one starts, all at the same moment, and the model's batches run part-empty while the whole
 * fleet does it. Largest-first order keeps them together afterwards too: the worker that ends first
 * takes the largest shard left and the one that ends last a smaller one, which is what that order is
 * for (everyone ends at once) and what the waves should not do. P6 in docs/BENCHMARKS.md showed the
 * fleet's running requests falling by a fifth to a half at each wave's end.
 *
 * <p>So, two rules:
 * <ul>
 *   <li>The first wave is graded: its {@code i}-th shard holds about {@code 1 - i / W} of the
 *   largest shard's bytes, from the largest down to nearly nothing, so the first ends spread evenly
 *   over the longest one's time (graded only down to half of it, the ends crowded into that half and
 *   the fleet's running requests still fell at the same moments of each wave). For each place the
 *   largest remaining shard not over the place's size is taken when it is within one step (1/W of
 *   the largest) of it; otherwise a head range of the right size is cut from the smallest shard
 *   above it (both parts at least {@link ShardSplitter#MIN_ITEMS_PER_RANGE} items; the rest goes
 *   back among the others by size); failing that, the largest shard under the place's size, or else
 *   the largest of all, is taken whole. A cut counts the items of the shard's whole files (a range's
 *   count is in the plan), reading them as {@link ShardSplitter} does: at most one shard per place.</li>
 *   <li>The rest, largest first, is taken in blocks of {@code W}, each block in a shuffled order
 *   (seeded, so the same input gives the same plan): the workers ending first no longer take the
 *   largest shards of the next block, so the spread the first wave made is kept instead of closed,
 *   while large shards still come before small ones, block by block. The last block stays largest
 *   first: there the spread is what should close, so that the last shards end together and the
 *   replicas are given back together.</li>
 * </ul>
 * A cut keeps exactly-once as any range does: each part is its own shard with its own receipt.
 */
public final class ShardOrder {

    /** The blocks' shuffle: fixed, so that planning the same input twice gives the same plan. */
    private static final long SEED = 0x5EEDL;

    private ShardOrder() {}

    /** A shard in the pool: ordered largest first, then by when it entered the pool. */
    private record Entry(Shard shard, long bytes, long order) {}

    /**
     * {@code largestFirst} reordered (and at most {@code workers} shards cut in two): the first
     * {@code workers} shards graded in size, the rest in shuffled blocks of {@code workers}; renumbered
     * from 0. A plan with no more shards than workers, or a fleet of one, is returned as it is.
     */
    public static List<Shard> staggered(List<Shard> largestFirst, int workers, JobPlanner.ItemCounter counter)
            throws IOException {
        return staggered(largestFirst, workers, counter, ShardSplitter.MIN_ITEMS_PER_RANGE);
    }

    static List<Shard> staggered(List<Shard> largestFirst, int workers, JobPlanner.ItemCounter counter, long minItems)
            throws IOException {
        if (workers <= 1 || largestFirst.size() <= workers) {
            return largestFirst;
        }
        TreeSet<Entry> pool =
                new TreeSet<>(Comparator.comparingLong(Entry::bytes).reversed().thenComparingLong(Entry::order));
        long order = 0;
        for (Shard shard : largestFirst) {
            pool.add(new Entry(shard, shard.bytes(), order++));
        }
        long top = pool.first().bytes();
        double step = (double) top / workers;
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
            List<List<ShardFile>> parts = above == null
                    ? null
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
        List<Entry> rest = new ArrayList<>(pool);
        Random shuffle = new Random(SEED);
        for (int from = 0; from < rest.size(); from += workers) {
            List<Entry> block = new ArrayList<>(rest.subList(from, Math.min(rest.size(), from + workers)));
            if (from + workers < rest.size()) {
                Collections.shuffle(block, shuffle); // the last block stays largest first: its ends gather
            }
            for (Entry e : block) {
                out.add(new Shard(out.size(), e.shard().files()));
            }
        }
        return out;
    }
}
