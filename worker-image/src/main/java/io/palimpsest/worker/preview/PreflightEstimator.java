package io.palimpsest.worker.preview;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

import io.palimpsest.worker.preview.PreviewData.Breakdown;
import io.palimpsest.worker.preview.PreviewData.Estimate;
import io.palimpsest.worker.preview.PreviewData.Range;

/**
 * The pre-flight estimate: what the whole input will cost, from what the sampled documents cost.
 * Totals are documents x the sample's mean per document; the interval is a percentile bootstrap
 * (resample the documents with replacement, recompute the mean): the spread of the sample, not a
 * guess. GPU-hours follow from completion tokens at one replica's capacity (completion tokens per
 * second at a full batch, declared or measured); wall time spreads them over {@code replicas.max}.
 * A pure function of its inputs (the bootstrap is seeded).
 */
public final class PreflightEstimator {
    public static final int RESAMPLES = 2000;
    public static final double CONFIDENCE = 0.95;

    /** What one sampled document cost: requests and tokens, in all and per purpose ("variant:wiki", "stage:pairs"). */
    public record DocumentCost(long requests, long promptTokens, long completionTokens, Map<String, long[]> byPurpose) {
    }

    /**
     * A replica's capacity: completion tokens per second at a full batch.
     *
     * @param source "declared" or "calibrated"
     * @param note   how it was found, for the report
     */
    public record Capacity(String source, double tokensPerSecondPerReplica, String note) {
        public static final String DECLARED = "declared";
        public static final String CALIBRATED = "calibrated";
    }

    /**
     * @param capacity        null when the recipe calls no model (no GPU time to estimate)
     * @param gpusPerReplica  the RewriterModel's GPUs per replica
     * @param maxReplicas     {@code replicas.max}, null when unknown
     * @param pricePerGpuHour null without a price
     */
    public static Estimate estimate(List<DocumentCost> sample, long documents, boolean documentsEstimated, Capacity capacity,
                                    int gpusPerReplica, Integer maxReplicas, Double pricePerGpuHour, long seed) {
        if (sample.isEmpty()) {
            throw new IllegalArgumentException("an estimate needs at least one sampled document");
        }
        int n = sample.size();
        TreeSet<String> purposes = new TreeSet<>();
        sample.forEach(d -> purposes.addAll(d.byPurpose().keySet()));
        List<String> keys = new ArrayList<>(purposes);
        // column 0..2: requests, prompt, completion in all; then 3 columns per purpose
        int columns = 3 + 3 * keys.size();
        double[][] values = new double[n][columns];
        for (int i = 0; i < n; i++) {
            DocumentCost d = sample.get(i);
            values[i][0] = d.requests();
            values[i][1] = d.promptTokens();
            values[i][2] = d.completionTokens();
            for (int k = 0; k < keys.size(); k++) {
                long[] v = d.byPurpose().getOrDefault(keys.get(k), new long[3]);
                values[i][3 + 3 * k] = v[0];
                values[i][4 + 3 * k] = v[1];
                values[i][5 + 3 * k] = v[2];
            }
        }
        double[] mean = meanOf(values, null);
        double[][] resampled = new double[columns][RESAMPLES];
        Random random = new Random(seed);
        int[] pick = new int[n];
        for (int b = 0; b < RESAMPLES; b++) {
            for (int i = 0; i < n; i++) {
                pick[i] = random.nextInt(n);
            }
            double[] m = meanOf(values, pick);
            for (int c = 0; c < columns; c++) {
                resampled[c][b] = m[c];
            }
        }
        Range[] total = new Range[columns];
        for (int c = 0; c < columns; c++) {
            double[] sorted = resampled[c].clone();
            Arrays.sort(sorted);
            total[c] = new Range(mean[c] * documents, percentile(sorted, (1 - CONFIDENCE) / 2) * documents,
                    percentile(sorted, (1 + CONFIDENCE) / 2) * documents);
        }
        Map<String, Breakdown> byPurpose = new LinkedHashMap<>();
        for (int k = 0; k < keys.size(); k++) {
            byPurpose.put(keys.get(k), new Breakdown(total[3 + 3 * k], total[4 + 3 * k], total[5 + 3 * k]));
        }
        List<String> notes = new ArrayList<>();
        if (documentsEstimated) {
            notes.add("documents estimated from the bytes per document of the shards the sample was read from");
        }
        notes.add("intervals: " + Math.round(CONFIDENCE * 100) + "% percentile bootstrap over the " + n
                + " sampled documents (" + RESAMPLES + " resamples)");
        Range replicaHours = null;
        Range gpuHours = null;
        Range wall = null;
        Range cost = null;
        if (capacity != null && capacity.tokensPerSecondPerReplica() > 0) {
            replicaHours = total[2].scaled(1 / capacity.tokensPerSecondPerReplica() / 3600);
            gpuHours = replicaHours.scaled(gpusPerReplica);
            if (maxReplicas != null && maxReplicas > 0) {
                wall = replicaHours.scaled(1.0 / maxReplicas);
                notes.add("wall time: every one of replicas.max=" + maxReplicas + " replicas busy at a full batch, model load not included");
            }
            if (pricePerGpuHour != null) {
                cost = gpuHours.scaled(pricePerGpuHour);
            }
        }
        return new Estimate(documents, documentsEstimated, n, CONFIDENCE, RESAMPLES, total[0], total[1], total[2], byPurpose,
                capacity == null ? null : capacity.source(), capacity == null ? null : capacity.tokensPerSecondPerReplica(),
                capacity == null ? "the recipe calls no model: no GPU time" : capacity.note(), gpusPerReplica,
                maxReplicas, gpuHours, replicaHours, wall, pricePerGpuHour, cost, notes);
    }

    private static double[] meanOf(double[][] values, int[] pick) {
        int columns = values[0].length;
        double[] sum = new double[columns];
        int n = pick == null ? values.length : pick.length;
        for (int i = 0; i < n; i++) {
            double[] row = values[pick == null ? i : pick[i]];
            for (int c = 0; c < columns; c++) {
                sum[c] += row[c];
            }
        }
        for (int c = 0; c < columns; c++) {
            sum[c] /= n;
        }
        return sum;
    }

    /** Linear interpolation between the closest ranks. */
    static double percentile(double[] sorted, double q) {
        if (sorted.length == 1) {
            return sorted[0];
        }
        double rank = q * (sorted.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
