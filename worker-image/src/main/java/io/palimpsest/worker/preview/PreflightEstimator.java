package io.palimpsest.worker.preview;

import io.palimpsest.worker.preview.PreviewData.Breakdown;
import io.palimpsest.worker.preview.PreviewData.Estimate;
import io.palimpsest.worker.preview.PreviewData.Range;
import io.palimpsest.worker.text.Plural;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * The pre-flight estimate: what the whole input will cost, from what the sampled documents cost.
 * Totals are documents x the sample's mean per document, or, when the sample was drawn by strata
 * (what the recipe decides before any call: routes, skips), the sum over strata of the stratum's
 * documents x its sampled documents' mean; the interval is a percentile bootstrap (resample the
 * documents with replacement inside each stratum, recompute): the spread of the sample, not a
 * guess. GPU-hours are what the campaign pays ({@link PaidReplicaTime}) from completion tokens at
 * one replica's capacity (completion tokens per second at a full batch, declared or measured).
 * A pure function of its inputs (the bootstrap is seeded).
 */
public final class PreflightEstimator {
    public static final int RESAMPLES = 2000;
    public static final double CONFIDENCE = 0.95;

    /** What one sampled document cost: requests and tokens, in all and per purpose ("variant:wiki", "stage:pairs"). */
    public record DocumentCost(
            long requests, long promptTokens, long completionTokens, Map<String, long[]> byPurpose) {}

    /**
     * A replica's capacity: completion tokens per second at a full batch.
     *
     * @param source "declared" or "calibrated"
     * @param note   how it was found, for the report
     */
    /** Said in the report and on stdout when no replicas.max is known, so the lone figure is not taken for the bill. */
    public static final String FLEET_UNKNOWN = "fleet unknown: no replicas.max (a resolved job.yaml, or a model behind"
            + " an external endpoint, does not carry it; pass --max-replicas): GPU-hours assume the work alone at a full"
            + " batch, without workers starting, idle time or model load, and there is no wall time";

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
    public static Estimate estimate(
            List<DocumentCost> sample,
            long documents,
            boolean documentsEstimated,
            Capacity capacity,
            int gpusPerReplica,
            Integer maxReplicas,
            Double pricePerGpuHour,
            long seed) {
        return estimate(
                sample,
                null,
                documents,
                documentsEstimated,
                capacity,
                gpusPerReplica,
                maxReplicas,
                null,
                pricePerGpuHour,
                seed);
    }

    /**
     * @param strata   the sample's strata and the census of the input's strata (null: one stratum)
     * @param campaign how the campaign will run (null: GPU-hours are the work at a full batch only)
     */
    public static Estimate estimate(
            List<DocumentCost> sample,
            Strata strata,
            long documents,
            boolean documentsEstimated,
            Capacity capacity,
            int gpusPerReplica,
            Integer maxReplicas,
            PaidReplicaTime.Campaign campaign,
            Double pricePerGpuHour,
            long seed) {
        if (sample.isEmpty()) {
            throw new IllegalArgumentException("an estimate needs at least one sampled document");
        }
        int n = sample.size();
        List<String> notes = new ArrayList<>();
        if (documentsEstimated) {
            notes.add("documents estimated from the bytes per document of the shards the sample was read from");
        }
        // the groups the sample is weighed by: strata when every one with documents was sampled, else one group
        List<String> group = new ArrayList<>();
        Map<String, Double> weight = new LinkedHashMap<>();
        String fallback = strata == null ? null : strata.whyNot(n);
        if (strata == null || fallback != null || strata.census().size() <= 1) {
            if (fallback != null) {
                notes.add("not stratified: " + fallback + "; plain estimate over the sample");
            }
            for (int i = 0; i < n; i++) {
                group.add("");
            }
            weight.put("", (double) documents);
        } else {
            group.addAll(strata.ofSample());
            long counted =
                    strata.census().values().stream().mapToLong(Long::longValue).sum();
            strata.census().forEach((stratum, count) -> weight.put(stratum, (double) documents * count / counted));
            StringBuilder note = new StringBuilder(
                    "stratified by what the recipe decides before any call (post-stratified: each stratum's"
                            + " documents x its sampled documents' mean; the bootstrap resamples inside each stratum):");
            strata.census()
                    .forEach((stratum, count) -> note.append(String.format(
                            Locale.ROOT,
                            " %s %s%s, %d sampled;",
                            stratum,
                            Plural.of(Math.round(weight.get(stratum)), "document"),
                            counted == documents ? "" : " (estimated)",
                            strata.ofSample().stream().filter(stratum::equals).count())));
            note.setLength(note.length() - 1);
            notes.add(note.toString());
        }
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
        // per group: the rows of its sampled documents
        List<String> names = new ArrayList<>(weight.keySet());
        int[][] rows = new int[names.size()][];
        for (int g = 0; g < names.size(); g++) {
            String name = names.get(g);
            rows[g] =
                    IntStream.range(0, n).filter(i -> group.get(i).equals(name)).toArray();
        }
        double[] point = new double[columns];
        for (int g = 0; g < names.size(); g++) {
            double[] m = meanOf(values, rows[g]);
            for (int c = 0; c < columns; c++) {
                point[c] += weight.get(names.get(g)) * m[c];
            }
        }
        double[][] resampled = new double[columns][RESAMPLES];
        Random random = new Random(seed);
        for (int b = 0; b < RESAMPLES; b++) {
            for (int g = 0; g < names.size(); g++) {
                int size = rows[g].length;
                int[] pick = new int[size];
                for (int i = 0; i < size; i++) {
                    pick[i] = rows[g][random.nextInt(size)];
                }
                double[] m = meanOf(values, pick);
                double w = weight.get(names.get(g));
                for (int c = 0; c < columns; c++) {
                    resampled[c][b] += w * m[c];
                }
            }
        }
        Range[] total = new Range[columns];
        for (int c = 0; c < columns; c++) {
            double[] sorted = resampled[c].clone();
            Arrays.sort(sorted);
            total[c] = new Range(
                    point[c], percentile(sorted, (1 - CONFIDENCE) / 2), percentile(sorted, (1 + CONFIDENCE) / 2));
        }
        Map<String, Breakdown> byPurpose = new LinkedHashMap<>();
        for (int k = 0; k < keys.size(); k++) {
            byPurpose.put(keys.get(k), new Breakdown(total[3 + 3 * k], total[4 + 3 * k], total[5 + 3 * k]));
        }
        notes.add("intervals: " + Math.round(CONFIDENCE * 100) + "% percentile bootstrap over the " + n
                + " sampled documents (" + RESAMPLES + " resamples)");
        Range replicaHours = null;
        Range gpuHours = null;
        Range wall = null;
        Range cost = null;
        PreviewData.Paid paid = null;
        if (capacity != null && capacity.tokensPerSecondPerReplica() > 0 && campaign != null) {
            paid = PaidReplicaTime.estimate(
                    campaign, total[2], total[0].estimate(), capacity.tokensPerSecondPerReplica());
            replicaHours = paid.total();
            gpuHours = replicaHours.scaled(gpusPerReplica);
            wall = paid.wallHours();
            notes.add(String.format(
                    Locale.ROOT,
                    "GPU-hours paid = serving %s h + the run beyond decoding %s h + loading %s h"
                            + " + workers starting %s h + idle after %s h (replica-hours x %d GPU(s)); the work alone at a full batch: %s h",
                    PaidReplicaTime.hours(paid.serving().estimate() * gpusPerReplica),
                    PaidReplicaTime.hours(paid.beyondDecoding() * gpusPerReplica),
                    PaidReplicaTime.hours(paid.loading() * gpusPerReplica),
                    PaidReplicaTime.hours(paid.workersStarting() * gpusPerReplica),
                    PaidReplicaTime.hours(paid.idleAfter() * gpusPerReplica),
                    gpusPerReplica,
                    PaidReplicaTime.hours(paid.work().estimate() * gpusPerReplica)));
            notes.addAll(paid.notes());
            if (pricePerGpuHour != null) {
                cost = gpuHours.scaled(pricePerGpuHour);
            }
        } else if (capacity != null && capacity.tokensPerSecondPerReplica() > 0) {
            replicaHours = total[2].scaled(1 / capacity.tokensPerSecondPerReplica() / 3600);
            gpuHours = replicaHours.scaled(gpusPerReplica);
            if (maxReplicas != null && maxReplicas > 0) {
                wall = replicaHours.scaled(1.0 / maxReplicas);
                notes.add("wall time: every one of replicas.max=" + maxReplicas
                        + " replicas busy at a full batch, model load not included");
            } else {
                notes.add(FLEET_UNKNOWN);
            }
            if (pricePerGpuHour != null) {
                cost = gpuHours.scaled(pricePerGpuHour);
            }
        }
        return new Estimate(
                documents,
                documentsEstimated,
                n,
                CONFIDENCE,
                RESAMPLES,
                total[0],
                total[1],
                total[2],
                byPurpose,
                capacity == null ? null : capacity.source(),
                capacity == null ? null : capacity.tokensPerSecondPerReplica(),
                capacity == null ? "the recipe calls no model: no GPU time" : capacity.note(),
                gpusPerReplica,
                maxReplicas,
                gpuHours,
                replicaHours,
                wall,
                pricePerGpuHour,
                cost,
                notes,
                strataFigures(strata, fallback, weight, group),
                paid);
    }

    private static List<PreviewData.Stratum> strataFigures(
            Strata strata, String fallback, Map<String, Double> weight, List<String> group) {
        if (strata == null || fallback != null || weight.size() <= 1) {
            return null;
        }
        List<PreviewData.Stratum> figures = new ArrayList<>();
        weight.forEach((name, documents) -> figures.add(new PreviewData.Stratum(name, Math.round(documents), (int)
                group.stream().filter(name::equals).count())));
        return figures;
    }

    /**
     * The strata a preview sampled by ({@link DocumentSampler}): each sampled document's, in the
     * sample's order, and the input's documents per stratum as counted over the read shards.
     */
    public record Strata(List<String> ofSample, Map<String, Long> census) {

        /** Why post-stratifying cannot be done, or null: a stratum with documents and none sampled has no mean. */
        String whyNot(int sampled) {
            if (ofSample.size() != sampled) {
                throw new IllegalArgumentException(ofSample.size() + " strata for " + sampled + " sampled documents");
            }
            if (census.size() <= 1) {
                return census.isEmpty() ? "no stratum counted" : null;
            }
            List<String> empty =
                    census.keySet().stream().filter(k -> !ofSample.contains(k)).toList();
            return empty.isEmpty()
                    ? null
                    : "no sampled document in " + String.join(", ", empty) + " (a sample of " + sampled + " for "
                            + census.size() + " strata)";
        }
    }

    private static double[] meanOf(double[][] values, int[] pick) {
        int columns = values[0].length;
        double[] sum = new double[columns];
        int n = pick.length;
        if (n == 0) {
            return sum;
        }
        for (int i = 0; i < n; i++) {
            double[] row = values[pick[i]];
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
