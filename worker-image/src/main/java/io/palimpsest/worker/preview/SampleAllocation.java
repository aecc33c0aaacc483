package io.palimpsest.worker.preview;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * How many of a preview's documents each shard gives, so every part of the corpus has its share:
 * with at least as many documents as shards, quotas follow bytes (largest remainder) and every
 * shard gives at least one; with fewer, a seeded draw picks which shards give one each, weighted by
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
        // proportional to bytes (largest remainder), so the sample weighs each part of the corpus as
        // the campaign will; then every shard gets at least one, taken from the largest quotas
        long total = Arrays.stream(shardBytes).map(b -> Math.max(b, 1)).sum();
        double[] remainder = new double[shards];
        int given = 0;
        for (int i = 0; i < shards; i++) {
            double share = (double) sample * Math.max(shardBytes[i], 1) / total;
            quota[i] = (int) Math.floor(share);
            given += quota[i];
            remainder[i] = share - Math.floor(share);
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            order.add(i);
        }
        order.sort(Comparator.<Integer>comparingDouble(i -> -remainder[i]).thenComparingInt(i -> i));
        for (int k = 0; given < sample; k++, given++) {
            quota[order.get(k % shards)]++;
        }
        for (int i = 0; i < shards; i++) {
            if (quota[i] == 0) {
                int largest = 0;
                for (int j = 1; j < shards; j++) {
                    if (quota[j] > quota[largest]) {
                        largest = j;
                    }
                }
                quota[largest]--;
                quota[i] = 1;
            }
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
