package io.palimpsest.api.worker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import lombok.Data;
import lombok.NoArgsConstructor;

/**
 * What a finished worker pod reports, in its termination message (at most 4 KiB) and in the
 * shard's receipt. The operator folds it into the job status exactly once per shard.
 */
@Data
@NoArgsConstructor
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ShardSummary {
    public enum Outcome {
        /** This attempt committed the shard. */
        committed,
        /**
         * The shard had been committed before (a receipt existed); no work was done. The counts
         * are the receipt's, so a rerun of a finished spec still reports the campaign's totals
         * (the operator counts each shard once, whichever attempt reports it).
         */
        alreadyCommitted,
        /** The shard's data cannot be processed; retrying will not help (exit 42). */
        badData,
        /** The model server could not be reached; retry later (exit 75). */
        modelUnreachable,
        /** The object store was unavailable past the outage limit; retry later (exit 75, an outage like the model's). */
        storeUnreachable,
        /**
         * The model refused the job's requests in a way that is the same for every document (401,
         * 403, 404 unknown model, ...), the object store refused the job's credentials (reason
         * {@code store_refused}), or the output was made with another recipe, model or input reading
         * (reason {@code output_drift}): no shard can succeed, the job fails at once (exit 78).
         */
        modelConfig,
        /** Anything else. */
        error
    }

    /** The value of {@code kind}: marks a whole summary line, so a log line or a document's JSON is never taken for one. */
    public static final String KIND = "ShardSummary";

    /**
     * Always {@link #KIND}. A pod that wrote no termination message leaves its log's tail there
     * instead (FallbackToLogsOnError), cut anywhere: the operator takes a summary from it only when its
     * whole last line is a JSON object with this marker.
     */
    private String kind = KIND;

    private int shard;
    private int attempt;
    private Outcome outcome;
    private long read;
    private long written;
    private long rejected;
    private long skipped;
    /** Records written per variant (a document written counts once in {@code written}, once per variant here); bounded by {@link VariantCounts}. */
    private Map<String, Long> writtenByVariant;
    /** Documents rejected per reason (they sum to {@code rejected}); bounded by {@link VariantCounts}. */
    private Map<String, Long> rejectedByReason;
    /** Documents skipped per reason (they sum to {@code skipped}); bounded by {@link VariantCounts}. */
    private Map<String, Long> skippedByReason;

    private long promptTokens;
    private long completionTokens;
    private double seconds;
    /** Machine-readable reason when not committed by this attempt: a {@link ShardReason} code (or an exception type). */
    private String reason;

    private String message;
}
