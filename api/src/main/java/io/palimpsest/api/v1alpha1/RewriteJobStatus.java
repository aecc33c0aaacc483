package io.palimpsest.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import lombok.AllArgsConstructor;
import lombok.Data;
import lombok.NoArgsConstructor;

/**
 * A bounded projection of the campaign: counts and range strings, never one entry per shard.
 * The truth about each shard lives in its receipt in storage.
 */
@Data
@NoArgsConstructor
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RewriteJobStatus {
    /** recentFailures keeps at most this many entries. */
    public static final int MAX_RECENT_FAILURES = 20;

    @JsonPropertyDescription("Pending, Planning, Running, Suspended, Succeeded or Failed.")
    private JobPhase phase;

    @JsonPropertyDescription("Shards done/total, for display.")
    private String progress;

    @JsonPropertyDescription("Shard counts.")
    private ShardCounts shards;

    @JsonPropertyDescription(
            "Committed shard indexes as ranges, e.g. \"0-99,105,200-250\". Past 12 KiB the list is cut at a "
                    + "range boundary and ends in \",...\"; the worker Job's status.completedIndexes is exact.")
    private String completedShards;

    @JsonPropertyDescription("Shard indexes that failed for good, as ranges; cut like completedShards "
            + "(the worker Job's status.failedIndexes is exact).")
    private String failedShards;

    @JsonPropertyDescription("Shards whose pod summaries are already in documents/tokens, so a summary is never "
            + "counted twice (also across operator restarts). A range string, or when that would be long a compact "
            + "form prefixed 'z1:' (deflated delta varints, base64).")
    private String countedShards;

    @JsonPropertyDescription(
            "Document counts over committed shards (read = written + rejected + skipped, from receipts), "
                    + "plus inProgress: documents answered by running shards and not committed yet.")
    private DocumentCounts documents;

    @JsonPropertyDescription(
            "Token counts over committed shards (from their receipts), plus inProgress*: what the model has answered "
                    + "the running shards' requests with so far, not committed.")
    private TokenCounts tokens;

    @JsonPropertyDescription("Recent completion throughput.")
    private Throughput throughput;

    @JsonPropertyDescription("Estimated completion time at the recent throughput (RFC 3339), counting how far running "
            + "shards are through their input.")
    private String estimatedCompletionTime;

    @JsonPropertyDescription("The latest shard failures, newest last, at most 20.")
    private List<ShardFailure> recentFailures = new ArrayList<>();

    /*
     * Not read from recentFailures: it keeps the newest 20 failures of any reason, so later failures (bad data
     * in other shards, the ledger's AttemptsExhausted) push an outage's out of it long before the job ends. A set
     * per reason is what a fold can keep exactly (seeing the same pods again adds nothing) and what says how many
     * shards the outage failed; a shard leaves it when it commits or fails otherwise, so it holds the shards an
     * outage is failing, in countedShards' compact form.
     */
    @JsonPropertyDescription("Shards not committed whose latest failure that says why was an outage, by its reason "
            + "(ModelUnreachable, StoreUnreachable), as a range string or the compact form of countedShards. Kept so "
            + "that those failed for good end the job Failed with the outage's reason, rather than being tolerated "
            + "under retry.maxFailedShards, once their pods are gone.")
    @Size(max = 2)
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    private Map<String, String> outageShards;

    @JsonPropertyDescription("SHA-256 of the canonical recipe; recorded in every receipt and output record.")
    private String recipeHash;

    @JsonPropertyDescription("Ready, Progressing, Degraded, Complete, Failed (kstatus-compatible).")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("When the first worker Job was created (RFC 3339).")
    private String startTime;

    @JsonPropertyDescription("When the job reached Succeeded or Failed (RFC 3339).")
    private String completionTime;

    @JsonPropertyDescription(
            "The pre-flight estimate of the whole campaign, from the preview of spec.preview: every figure with the range of the sample's spread.")
    private Estimate estimate;

    @Data
    @NoArgsConstructor
    @AllArgsConstructor
    public static class ShardCounts {
        @JsonPropertyDescription("Shards in the plan.")
        private long total;

        @JsonPropertyDescription("Shards committed.")
        private long succeeded;

        @JsonPropertyDescription("Shards failed for good (listed in failedShards).")
        private long failed;

        @JsonPropertyDescription("Shards with a worker pod running an attempt.")
        private long running;

        @JsonPropertyDescription("Shards neither finished nor running: waiting for a worker, or for a retry.")
        private long pending;

        @JsonPropertyDescription("Of succeeded, the shards a worker committed in full as it was stopped (SIGTERM: a "
                + "suspend, a scale-in, a preemption), whose index the worker Job runs once more before it completes: "
                + "that run finds the receipt and commits nothing. They count as shards left when the operator sizes "
                + "the workers and the model; absent when there are none.")
        @JsonInclude(JsonInclude.Include.NON_DEFAULT)
        private long unconfirmed;

        /** Counts with no committed shard waiting for its index to run again. */
        public ShardCounts(long total, long succeeded, long failed, long running, long pending) {
            this(total, succeeded, failed, running, pending, 0);
        }
    }

    @Data
    @NoArgsConstructor
    @AllArgsConstructor
    public static class DocumentCounts {
        @JsonPropertyDescription(
                "Documents read by committed shards (read = written + rejected + skipped); the job's Docs column is written.")
        private long read;

        @JsonPropertyDescription("Documents of committed shards with output written (once, whatever their variants).")
        private long written;

        @JsonPropertyDescription(
                "Documents of committed shards rejected (something went wrong with the document: a validator, the "
                        + "model's answer), each recorded with its reason under the output's _palimpsest/rejects/.")
        private long rejected;

        @JsonPropertyDescription(
                "Documents of committed shards skipped: nothing to do (a blank line, an empty text, a pre-filter).")
        private long skipped;

        @JsonPropertyDescription(
                "Records written per variant (a document counts once in written, once per variant here). "
                        + "At most 32 variant names, kept from their first count on (no count goes down); the rest are summed under '(other)'.")
        @Size(max = 33)
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        private Map<String, Long> writtenByVariant;

        @JsonPropertyDescription("Documents that running shards have answered (written, rejected or skipped) and not "
                + "committed yet, as their workers' metrics last said: it moves with each document answered, and a "
                + "shard's part leaves it when the shard commits, replaced by its receipt's counts in read and the "
                + "outcomes; not part of read. Receipts alone make committed totals.")
        @JsonInclude(JsonInclude.Include.NON_NULL)
        private Long inProgress;

        @JsonPropertyDescription(
                "Committed documents rejected per reason (they sum to rejected when every receipt "
                        + "carried its reasons). At most 32 reasons, kept from their first count on (no count goes down); the rest under '(other)'.")
        @Size(max = 33)
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        private Map<String, Long> rejectedByReason;

        @JsonPropertyDescription(
                "Committed documents skipped per reason (filter:regex, too_short, blank_line, ...: they sum to skipped "
                        + "when every receipt carried its reasons). At most 32 reasons, kept from their first count on (no count goes down); the rest under '(other)'.")
        @Size(max = 33)
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        private Map<String, Long> skippedByReason;

        public DocumentCounts(long read, long written, long rejected, long skipped) {
            this(read, written, rejected, skipped, null, null, null, null);
        }

        public DocumentCounts(
                long read,
                long written,
                long rejected,
                long skipped,
                Map<String, Long> writtenByVariant,
                Long inProgress,
                Map<String, Long> rejectedByReason) {
            this(read, written, rejected, skipped, writtenByVariant, inProgress, rejectedByReason, null);
        }

        public DocumentCounts(
                long read, long written, long rejected, long skipped, Map<String, Long> writtenByVariant) {
            this(read, written, rejected, skipped, writtenByVariant, null, null, null);
        }

        public DocumentCounts(
                long read,
                long written,
                long rejected,
                long skipped,
                Map<String, Long> writtenByVariant,
                Long inProgress) {
            this(read, written, rejected, skipped, writtenByVariant, inProgress, null, null);
        }
    }

    @Data
    @NoArgsConstructor
    @AllArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class TokenCounts {
        @JsonPropertyDescription("Prompt tokens the model counted for committed shards.")
        private long prompt;

        @JsonPropertyDescription("Completion tokens the model generated for committed shards.")
        private long completion;

        @JsonPropertyDescription("Prompt tokens the model has answered running shards' requests with so far, not "
                + "committed: it moves with each answer (a long document's chunks count before the document is done), "
                + "and a shard's part leaves it when the shard commits, replaced by its receipt's count in prompt, "
                + "which can differ (an answer lost with a stopped attempt and asked again counts here twice, in "
                + "the receipt once).")
        private Long inProgressPrompt;

        @JsonPropertyDescription("Completion tokens the model has answered running shards' requests with so far, "
                + "not committed: it moves with each answer (a long document's chunks count before the document is "
                + "done), and a shard's part leaves it when the shard commits, replaced by its receipt's count in "
                + "completion, which can differ (an answer lost with a stopped attempt and asked again counts here "
                + "twice, in the receipt once).")
        private Long inProgressCompletion;

        public TokenCounts(long prompt, long completion) {
            this(prompt, completion, null, null);
        }
    }

    @Data
    @NoArgsConstructor
    @AllArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Throughput {
        @JsonPropertyDescription("Completion tokens per second over the recent window.")
        private long tokensPerSecond;

        @JsonPropertyDescription(
                "Shards finished per hour over the recent window, running shards counted by how far they have read "
                        + "their input, and input an attempt lost read again counted once; the ETA divides the "
                        + "remaining shards by it.")
        private Double shardsPerHour;

        @JsonPropertyDescription("When the rates were last sampled (RFC 3339).")
        private String sampledAt;

        @JsonPropertyDescription("Finished shards at sampledAt.")
        private Long sampledShards;

        @JsonPropertyDescription(
                "Completion tokens (committed and in progress) at sampledAt, or the most sampled before "
                        + "when they fell since (a receipt counting fewer tokens than its attempt was answered with, an attempt "
                        + "lost): a fall is carried, so the rate counts each token once.")
        private Long sampledCompletionTokens;

        @JsonPropertyDescription("Documents answered per second over the recent window, committed and in progress.")
        private Double documentsPerSecond;

        @JsonPropertyDescription("Documents (committed read + in progress) at sampledAt, or the most sampled before "
                + "when they fell since (an attempt lost, its documents answered again): a fall is carried.")
        private Long sampledDocuments;

        @JsonPropertyDescription(
                "Finished shards plus the share of their input that running shards have read, at sampledAt.")
        private Double sampledShardProgress;

        @JsonPropertyDescription("Shards' worth of input that attempts lost since (a worker killed mid-shard, a "
                + "suspend) had read and the attempts after them have not read again, at sampledAt: shardsPerHour "
                + "counts the reading that makes it up as nothing, so a retried shard counts once, and the ETA "
                + "counts it as work left. Absent when nothing is to be read again.")
        private Double lostShardProgress;

        public Throughput(long tokensPerSecond) {
            this.tokensPerSecond = tokensPerSecond;
        }

        public Throughput(
                long tokensPerSecond,
                Double shardsPerHour,
                String sampledAt,
                Long sampledShards,
                Long sampledCompletionTokens) {
            this(
                    tokensPerSecond,
                    shardsPerHour,
                    sampledAt,
                    sampledShards,
                    sampledCompletionTokens,
                    null,
                    null,
                    null,
                    null);
        }
    }

    @Data
    @NoArgsConstructor
    @AllArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class ShardFailure {
        @JsonPropertyDescription("The shard's index in the plan.")
        private int shard;

        @JsonPropertyDescription("The number of the attempt that failed.")
        private int attempt;

        @JsonPropertyDescription("A machine-readable reason: BadData, ModelUnreachable, StoreUnreachable, "
                + "ModelConfig, AttemptsExhausted or Error, or the kubelet's reason (OOMKilled, ...).")
        private String reason;

        @JsonPropertyDescription("What the worker reported, else the pod's message or exit code.")
        private String message;

        @JsonPropertyDescription("When the attempt ended (RFC 3339).")
        private String time;
    }

    /** A figure and the range the sample's spread gives it (low and high absent: the sample shows no spread). */
    @Data
    @NoArgsConstructor
    @AllArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Range {
        @JsonPropertyDescription("The central estimate.")
        private double estimate;

        @JsonPropertyDescription("Low end of the range the sample's spread gives; absent when it shows none.")
        private Double low;

        @JsonPropertyDescription("High end of the range the sample's spread gives; absent when it shows none.")
        private Double high;

        public Range(double estimate, double low, double high) {
            this(estimate, Double.valueOf(low), Double.valueOf(high));
        }
    }

    @Data
    @NoArgsConstructor
    @AllArgsConstructor
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Estimate {
        @JsonPropertyDescription(
                "Documents in the whole input (counted, or estimated from the sample's bytes per document).")
        private Long documents;

        @JsonPropertyDescription("True when documents is estimated from bytes rather than counted.")
        private Boolean documentsEstimated;

        @JsonPropertyDescription("Documents the preview ran the recipe on.")
        private Integer sampled;

        @JsonPropertyDescription("Requests to the model for the whole input.")
        private Range requests;

        @JsonPropertyDescription("Prompt tokens for the whole input.")
        private Range promptTokens;

        @JsonPropertyDescription("Completion tokens for the whole input.")
        private Range completionTokens;

        @JsonPropertyDescription(
                "GPU-hours at the measured or declared capacity per replica; absent when the recipe calls no model.")
        private Range gpuHours;

        @JsonPropertyDescription("Wall time in hours at the model's replicas.max; absent without one.")
        private Range wallHours;

        @JsonPropertyDescription("Cost, when a price per GPU-hour is known.")
        private Range cost;

        @JsonPropertyDescription(
                "Where the per-replica capacity comes from: measured against the endpoint, or declared.")
        private String capacitySource;

        @JsonPropertyDescription(
                "Completion tokens per second one replica generates at full load (see capacitySource).")
        private Double tokensPerSecondPerReplica;

        @JsonPropertyDescription("The preview's report, under the job's output.")
        private String report;
    }
}
