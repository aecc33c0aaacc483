package io.palimpsest.worker.preview;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * How many of a preview's documents each shard gives, so every part of the corpus has its share:
 * with at least as many documents as shards, every shard gives one and the rest go by bytes
 * (largest remainder); with fewer, a seeded draw picks which shards give one each, weighted by
 * bytes. A pure function of (bytes per shard, sample size, seed).
 */
public final class SampleAllocation {
    private SampleAllocation() {
    }

    public static int[] quotas(long[] shardBytes, int sample, long seed) {
        int shards = shardBytes.length;
        int[] quota = new int[shards];
        if (sample <= 0 || shards == 0) {
            return quota;
        }
        if (sample < shards) {
            for (int shard : weightedDraw(shardBytes, sample, seed)) {
                quota[shard] = 1;
            }
            return quota;
        }
        Arrays.fill(quota, 1);
        int rest = sample - shards;
        long total = Arrays.stream(shardBytes).map(b -> Math.max(b, 1)).sum();
        double[] remainder = new double[shards];
        int given = 0;
        for (int i = 0; i < shards; i++) {
            double share = (double) rest * Math.max(shardBytes[i], 1) / total;
            quota[i] += (int) Math.floor(share);
            given += (int) Math.floor(share);
            remainder[i] = share - Math.floor(share);
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            order.add(i);
        }
        order.sort(Comparator.<Integer>comparingDouble(i -> -remainder[i]).thenComparingInt(i -> i));
        for (int k = 0; given < rest; k++, given++) {
            quota[order.get(k % shards)]++;
        }
        return quota;
    }

    /** {@code count} distinct shards, each drawn with probability proportional to its bytes (Efraimidis-Spirakis keys). */
    private static List<Integer> weightedDraw(long[] shardBytes, int count, long seed) {
        Random random = new Random(seed);
        double[] key = new double[shardBytes.length];
        for (int i = 0; i < shardBytes.length; i++) {
            key[i] = Math.log(1 - random.nextDouble()) / Math.max(shardBytes[i], 1);
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < shardBytes.length; i++) {
            order.add(i);
        }
        order.sort(Comparator.<Integer>comparingDouble(i -> -key[i]).thenComparingInt(i -> i));
        return order.subList(0, count);
    }
}
