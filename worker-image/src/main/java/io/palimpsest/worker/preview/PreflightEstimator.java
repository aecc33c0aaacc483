package io.palimpsest.worker.preview;

import io.palimpsest.worker.preview.PreviewData.Breakdown;
import io.palimpsest.worker.preview.PreviewData.Estimate;
import io.palimpsest.worker.preview.PreviewData.Range;
import io.palimpsest.worker.recipe.RecipeEngine;
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
 * The sampler draws each shard's quota by bytes, then splits it among the shard's strata (what the
 * recipe decides before any call: routes, skips), so a sampled document stands for its cell's
 * documents (its shard's, of its stratum) over the cell's sampled ones: totals are the sum over
 * cells of the cell's documents x its sampled documents' mean (without the shards, over strata;
 * without strata, documents x the sample's mean). The interval is a percentile bootstrap (resample
 * the documents with replacement inside each cell, recompute): the spread of the sample, not a
 * guess; a cell read whole has none, and with a single sampled document to resample there is no
 * interval. GPU-hours are what the campaign pays ({@link PaidReplicaTime}) from completion tokens at
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
        // the strata the sample is weighed by: the recipe's when every one with documents was sampled, else one
        List<String> group = new ArrayList<>();
        Map<String, Double> weight = new LinkedHashMap<>();
        String fallback = strata == null ? null : strata.whyNot(n);
        boolean stratified =
                !(strata == null || fallback != null || strata.census().size() <= 1);
        long counted = strata == null
                ? 0
                : strata.census().values().stream().mapToLong(Long::longValue).sum();
        if (!stratified) {
            if (fallback != null) {
                notes.add("not stratified: " + fallback + "; plain estimate over the sample");
            }
            for (int i = 0; i < n; i++) {
                group.add("");
            }
            weight.put("", (double) documents);
        } else {
            group.addAll(strata.ofSample());
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
        // the cells the sampler drew from: (shard, stratum) when the shards are known, else the strata. Each
        // shard's quota follows its bytes, not its documents, so a document stands for its cell's documents over
        // the cell's sampled ones (the inverse of its chance of being drawn); a cell with documents and none drawn
        // is stood for by its stratum's drawn cells in the read shards
        boolean byShard = strata != null && strata.byShard() != null && strata.shardOfSample() != null && counted > 0;
        Map<String, Cell> cells = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String stratum = group.get(i);
            int shard = byShard ? strata.shardOfSample().get(i) : 0;
            Cell cell = cells.computeIfAbsent(shard + "\u0000" + stratum, k -> new Cell(stratum));
            cell.rows.add(i);
            if (cell.rows.size() == 1) {
                if (byShard) {
                    Map<String, Long> inShard = strata.byShard().getOrDefault(shard, Map.of());
                    cell.size = stratified
                            ? inShard.getOrDefault(stratum, 0L)
                            : inShard.values().stream()
                                    .mapToLong(Long::longValue)
                                    .sum();
                } else {
                    cell.size = stratified ? strata.census().get(stratum) : documents;
                }
            }
        }
        Map<String, Double> covered = new LinkedHashMap<>();
        for (Cell cell : cells.values()) {
            cell.size = Math.max(cell.size, cell.rows.size());
            covered.merge(cell.stratum, (double) cell.size, Double::sum);
        }
        double scale = byShard || stratified ? (double) documents / counted : 1;
        for (Cell cell : cells.values()) {
            double stratumSize =
                    byShard ? (stratified ? strata.census().get(cell.stratum) : counted) : covered.get(cell.stratum);
            cell.weight = scale * cell.size * stratumSize / covered.get(cell.stratum);
            // a cell drawn whole, its stratum's cells all drawn, the input counted: no sampling error; nor in a cell
            // of documents left before any model call (a filter, an unusable line), each of which costs nothing
            cell.whole = RecipeEngine.callsNoModel(cell.stratum)
                    || !documentsEstimated && cell.rows.size() >= cell.size && covered.get(cell.stratum) >= stratumSize;
        }
        if (byShard && cells.size() > (stratified ? weight.size() : 1)) {
            notes.add("weighted by shard: each sampled document stands for its shard's documents"
                    + (stratified ? " of its stratum" : "")
                    + " over the shard's sampled ones (a shard's quota follows its bytes, not its documents)");
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
        double[] point = new double[columns];
        for (Cell cell : cells.values()) {
            double[] m = meanOf(
                    values, cell.rows.stream().mapToInt(Integer::intValue).toArray());
            for (int c = 0; c < columns; c++) {
                point[c] += cell.weight * m[c];
            }
        }
        // the bootstrap resamples each cell's documents; a cell drawn whole has no spread to resample, and a cell
        // of one sampled document draws from its stratum's sampled documents (a single one shows no spread)
        Map<String, int[]> pool = new LinkedHashMap<>();
        for (String stratum : weight.keySet()) {
            pool.put(
                    stratum,
                    IntStream.range(0, n)
                            .filter(i -> group.get(i).equals(stratum))
                            .toArray());
        }
        String noInterval = null;
        for (Cell cell : cells.values()) {
            if (!cell.whole && pool.get(cell.stratum).length < 2) {
                noInterval = n == 1
                        ? "1 sampled document"
                        : "1 sampled document in " + (cell.stratum.isEmpty() ? "the sample" : cell.stratum);
            }
        }
        double[][] resampled = new double[columns][RESAMPLES];
        Random random = new Random(seed);
        for (int b = 0; noInterval == null && b < RESAMPLES; b++) {
            for (Cell cell : cells.values()) {
                int size = cell.rows.size();
                int[] pick = new int[size];
                int[] from = cell.whole
                        ? null
                        : size >= 2
                                ? cell.rows.stream().mapToInt(Integer::intValue).toArray()
                                : pool.get(cell.stratum);
                for (int i = 0; i < size; i++) {
                    pick[i] = from == null ? cell.rows.get(i) : from[random.nextInt(from.length)];
                }
                double[] m = meanOf(values, pick);
                for (int c = 0; c < columns; c++) {
                    resampled[c][b] += cell.weight * m[c];
                }
            }
        }
        Range[] total = new Range[columns];
        for (int c = 0; c < columns; c++) {
            if (noInterval != null) {
                total[c] = Range.withoutInterval(point[c]);
                continue;
            }
            double[] sorted = resampled[c].clone();
            Arrays.sort(sorted);
            total[c] = new Range(
                    point[c], percentile(sorted, (1 - CONFIDENCE) / 2), percentile(sorted, (1 + CONFIDENCE) / 2));
        }
        Map<String, Breakdown> byPurpose = new LinkedHashMap<>();
        for (int k = 0; k < keys.size(); k++) {
            byPurpose.put(keys.get(k), new Breakdown(total[3 + 3 * k], total[4 + 3 * k], total[5 + 3 * k]));
        }
        notes.add(
                noInterval != null
                        ? "no interval: " + noInterval + " shows no spread to resample (sample more documents)"
                        : "intervals: " + Math.round(CONFIDENCE * 100) + "% percentile bootstrap over the " + n
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
     * sample's order, and the input's documents per stratum as counted over the read shards; with the
     * shards, each sampled document's shard (its index) and each read shard's documents per stratum.
     */
    public record Strata(
            List<String> ofSample,
            Map<String, Long> census,
            List<Integer> shardOfSample,
            Map<Integer, Map<String, Long>> byShard) {

        /** Strata without the shards: each stratum's sampled documents stand for it as one cell. */
        public Strata(List<String> ofSample, Map<String, Long> census) {
            this(ofSample, census, null, null);
        }

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

    /** The sampled documents of one (shard, stratum) cell, the cell's documents and what each of its sampled ones weighs. */
    private static final class Cell {
        final String stratum;
        final List<Integer> rows = new ArrayList<>();
        long size;
        double weight;
        boolean whole;

        Cell(String stratum) {
            this.stratum = stratum;
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
