package io.palimpsest.worker.preview;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * How many of a preview's documents each shard gives, so every part of the corpus has its share:
 * with at least as many documents as shards, quotas follow bytes (largest remainder) and every
 * shard gives at least one; with fewer, a seeded draw picks which shards give one each, weighted by
 * bytes. A pure function of (bytes per shard, sample size, seed).
 */
public final class SampleAllocation {
    private SampleAllocation() {}

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

    /**
     * Splits each read shard's quota among its strata: in proportion to the stratum's items in the
     * shard (largest remainder, never more than it holds), then every stratum that has items somewhere
     * but got no document takes one, from the shard where it has the most items, given up by the
     * largest allocation of a stratum that keeps at least one. With fewer documents than strata some
     * stay empty (the estimate then says it cannot stratify). A pure function of its inputs.
     *
     * @param counts each read shard's items per stratum
     * @param quota  each read shard's quota ({@link #quotas})
     * @return each read shard's documents per stratum (strata with none left out)
     */
    public static List<Map<String, Integer>> byStratum(List<Map<String, Long>> counts, int[] quota) {
        List<Map<String, Integer>> take = new ArrayList<>();
        Map<String, Integer> perStratum = new TreeMap<>();
        for (int i = 0; i < counts.size(); i++) {
            Map<String, Integer> t = proportional(counts.get(i), quota[i]);
            t.forEach((stratum, n) -> perStratum.merge(stratum, n, Integer::sum));
            counts.get(i).keySet().forEach(stratum -> perStratum.putIfAbsent(stratum, 0));
            take.add(t);
        }
        for (String stratum : new ArrayList<>(perStratum.keySet())) {
            if (perStratum.get(stratum) > 0) {
                continue;
            }
            int home = -1;
            for (int i = 0; i < counts.size(); i++) {
                long n = counts.get(i).getOrDefault(stratum, 0L);
                if (n > 0 && (home < 0 || n > counts.get(home).getOrDefault(stratum, 0L))) {
                    home = i;
                }
            }
            int[] donor = donor(take, perStratum, home);
            if (home < 0 || donor == null) {
                continue;
            }
            String given = take.get(donor[0]).keySet().stream()
                    .skip(donor[1])
                    .findFirst()
                    .orElseThrow();
            take.get(donor[0]).merge(given, -1, Integer::sum);
            perStratum.merge(given, -1, Integer::sum);
            take.get(home).merge(stratum, 1, Integer::sum);
            perStratum.merge(stratum, 1, Integer::sum);
        }
        take.forEach(t -> t.values().removeIf(n -> n <= 0));
        return take;
    }

    /** The (shard, position) of the largest allocation whose stratum keeps one after giving, preferring shard {@code home}. */
    private static int[] donor(List<Map<String, Integer>> take, Map<String, Integer> perStratum, int home) {
        int[] best = null;
        int bestCount = 0;
        for (int pass = 0; pass < 2 && best == null; pass++) {
            for (int i = 0; i < take.size(); i++) {
                if (pass == 0 && i != home) {
                    continue;
                }
                int position = 0;
                for (Map.Entry<String, Integer> e : take.get(i).entrySet()) {
                    if (e.getValue() > bestCount && perStratum.get(e.getKey()) > 1) {
                        best = new int[] {i, position};
                        bestCount = e.getValue();
                    }
                    position++;
                }
            }
        }
        return best;
    }

    /** {@code quota} split over {@code counts} by largest remainder, each at most its count; ties to the first stratum. */
    private static Map<String, Integer> proportional(Map<String, Long> counts, int quota) {
        Map<String, Integer> take = new LinkedHashMap<>();
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        if (total == 0) {
            return take;
        }
        int wanted = (int) Math.min(quota, total);
        List<String> keys = new ArrayList<>(counts.keySet());
        double[] remainder = new double[keys.size()];
        int given = 0;
        for (int k = 0; k < keys.size(); k++) {
            double share = (double) wanted * counts.get(keys.get(k)) / total;
            int n = (int) Math.floor(share);
            take.put(keys.get(k), n);
            given += n;
            remainder[k] = share - n;
        }
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < keys.size(); k++) {
            order.add(k);
        }
        order.sort(Comparator.<Integer>comparingDouble(k -> -remainder[k]).thenComparingInt(k -> k));
        for (int j = 0; given < wanted; j = (j + 1) % keys.size()) {
            String key = keys.get(order.get(j));
            if (take.get(key) < counts.get(key)) {
                take.merge(key, 1, Integer::sum);
                given++;
            }
        }
        return take;
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
