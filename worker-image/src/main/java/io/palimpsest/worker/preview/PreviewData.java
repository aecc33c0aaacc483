package io.palimpsest.worker.preview;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * The data of a report ({@code preview.json}, and what {@link ReportRenderer} draws): where the
 * documents came from, what the recipe made of each, a summary per variant and, for a preview, the
 * pre-flight estimate. The same model serves a report over committed output ({@code kind = "output"},
 * no estimate, no prompts).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PreviewData(
        String kind,
        String job,
        String recipeHash,
        String model,
        String modelDescription,
        String generatedAt,
        Long seed,
        Plan plan,
        List<String> variants,
        List<VariantSummary> summary,
        Estimate estimate,
        List<DocumentView> documents,
        Committed committed) {

    public static final String KIND_PREVIEW = "preview";
    public static final String KIND_OUTPUT = "output";

    /**
     * The whole input as planned, and what reading the sampled shards counted.
     *
     * @param documents          the input's documents: exact when every shard was read, else estimated
     * @param documentsEstimated whether {@code documents} is estimated from the read shards' bytes per document
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Plan(
            long shards,
            long files,
            long bytes,
            long documents,
            boolean documentsEstimated,
            int shardsRead,
            long documentsInReadShards,
            long bytesOfReadShards,
            int sampled) {}

    /**
     * One variant over the sample: how many documents it was run on, what came out, what it cost
     * (requests and tokens null where not known: committed records do not keep them).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VariantSummary(
            String variant,
            long documents,
            long accepted,
            Map<String, Long> rejectedByReason,
            Map<String, Long> skippedByReason,
            Long requests,
            Long promptTokens,
            Long completionTokens,
            Distribution lengthRatio) {}

    /**
     * A report over committed output: the totals its receipts record for the shards shown. Receipts
     * count tokens per shard, not per variant or document.
     */
    public record Committed(
            int shardsCommitted,
            int shardsPlanned,
            long read,
            long written,
            long rejected,
            long skipped,
            long promptTokens,
            long completionTokens) {}

    /** Quantiles and a histogram of a measure (output words / source words over accepted outputs). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Distribution(
            long count,
            Double min,
            Double p10,
            Double p50,
            Double p90,
            Double max,
            List<Double> binEdges,
            List<Long> binCounts) {}

    /** One input item and everything the recipe made of it (requests and tokens null where not known). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DocumentView(
            String id,
            Integer shard,
            String file,
            Long line,
            String source,
            Long requests,
            Long promptTokens,
            Long completionTokens,
            List<Outcome> outcomes,
            List<Prompt> prompts,
            List<Checks> checks) {}

    /**
     * One result for the document: a variant's output ({@code accepted}), or a rejection (rejected or
     * skipped) of a variant or, when {@code variant} is null, of the whole document.
     *
     * @param text the output, or the rejected output when there was one
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Outcome(
            String variant,
            String status,
            String reason,
            String detail,
            String text,
            Map<String, Object> params,
            Double lengthRatio) {
        public static final String ACCEPTED = "accepted";
        public static final String REJECTED = "rejected";
        public static final String SKIPPED = "skipped";
    }

    /**
     * One model call, rendered as sent: {@code purpose} "variant:wiki", "stage:pairs", "judge:variant wiki".
     * A call the server refused (a 4xx, such as a prompt over the context length) has no reply, a
     * {@code refusal}, and the tokens the server reported for it: none.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Prompt(
            String purpose,
            String variant,
            List<Map<String, String>> messages,
            String prompt,
            String reply,
            String finishReason,
            int promptTokens,
            int completionTokens,
            Refusal refusal) {
        public Prompt(
                String purpose,
                String variant,
                List<Map<String, String>> messages,
                String prompt,
                String reply,
                String finishReason,
                int promptTokens,
                int completionTokens) {
            this(purpose, variant, messages, prompt, reply, finishReason, promptTokens, completionTokens, null);
        }
    }

    /** The server's refusal of a call: the HTTP status and what it said. */
    public record Refusal(int status, String message) {}

    /** The validators' answers on one output (one chunk of one variant or stage). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Checks(String owner, String variant, String chunk, Map<String, Object> params, List<Check> checks) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Check(String check, String status, Double measured, Double min, Double max, String detail) {}

    /**
     * The pre-flight estimate for the whole input. Every figure is a {@link Range}: the point estimate
     * and the interval a bootstrap over the sampled documents gives.
     *
     * @param capacitySource   "declared" (tokens per second per replica given) or "calibrated" (measured against the endpoint)
     * @param tokensPerSecondPerReplica completion tokens one replica generates per second at a full batch
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Estimate(
            long documents,
            boolean documentsEstimated,
            int sampledDocuments,
            double confidence,
            int resamples,
            Range requests,
            Range promptTokens,
            Range completionTokens,
            Map<String, Breakdown> byPurpose,
            String capacitySource,
            Double tokensPerSecondPerReplica,
            String capacityNote,
            Integer gpusPerReplica,
            Integer maxReplicas,
            Range gpuHours,
            Range replicaHours,
            Range wallHours,
            Double pricePerGpuHour,
            Range cost,
            List<String> notes,
            List<Stratum> strata,
            Paid paid) {}

    /** One stratum of the sample (what the recipe decides before any call): its documents in the whole input and how many were sampled. */
    public record Stratum(String name, long documents, int sampled) {}

    /**
     * What the campaign pays in replica time ({@link PaidReplicaTime}), in replica-hours: serving at
     * the batch the campaign fills, what the run lasts beyond that decoding (the workers' own pace,
     * later rounds of worker pods, the longest request), every replica's model load, the ready
     * replicas' wait for the workers to start, and the wait after the last request.
     *
     * @param work           the completion tokens at a full batch, for comparison
     * @param beyondDecoding replica-hours the run lasts beyond its decoding (point estimate), 0 when decoding bounds it
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Paid(
            int replicas,
            long workers,
            double requestsInFlightPerReplica,
            double batchFill,
            Range work,
            Range serving,
            double beyondDecoding,
            double loading,
            double workersStarting,
            double idleAfter,
            Range total,
            Range wallHours,
            Double loadSeconds,
            String loadSource,
            List<String> notes) {}

    /** Requests and tokens of one variant or stage ("variant:wiki", "stage:pairs", "judge:...") over the whole input. */
    public record Breakdown(Range requests, Range promptTokens, Range completionTokens) {}

    /** A point estimate and its interval; {@code low} and {@code high} are null when there is no interval. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Range(double estimate, Double low, Double high) {
        public Range(double estimate, double low, double high) {
            this(estimate, Double.valueOf(low), Double.valueOf(high));
        }

        /** A figure whose sample shows no spread to give an interval (a single sampled document). */
        public static Range withoutInterval(double estimate) {
            return new Range(estimate, null, null);
        }

        public boolean hasInterval() {
            return low != null && high != null;
        }

        public Range scaled(double factor) {
            return hasInterval()
                    ? new Range(estimate * factor, low * factor, high * factor)
                    : withoutInterval(estimate * factor);
        }
    }
}
