package io.palimpsest.api.worker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import lombok.Data;
import lombok.NoArgsConstructor;

/**
 * What {@code palimpsest tally --config /etc/palimpsest/job.yaml} writes to its termination
 * message: the sums over every receipt under {@code <output>/_palimpsest/receipts/}, e.g.
 * {@code {"receipts":99000,"read":5200000,"written":5100000,"rejected":90000,"skipped":10000,
 * "promptTokens":7100000000,"completionTokens":6900000000,"recipeHash":"sha256:..."}}.
 *
 * <p>The operator folds worker pods' summaries as they finish, but finished pods can be
 * garbage-collected before it sees them. When the worker Job has finished with committed shards
 * whose summaries were never seen, the operator runs this once and replaces its folded totals by
 * these; the operator itself never holds storage credentials. Receipts whose recipe hash differs
 * from the job's are not summed, and are counted in {@code foreignReceipts}.
 */
@Data
@NoArgsConstructor
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Tally {
    /** Receipts summed (committed shards). */
    private long receipts;

    private long read;
    private long written;
    private long rejected;
    private long skipped;
    /** Records written per variant; bounded by {@link VariantCounts}. */
    private Map<String, Long> writtenByVariant;
    /** Documents rejected per reason; bounded by {@link VariantCounts}. */
    private Map<String, Long> rejectedByReason;

    private long promptTokens;
    private long completionTokens;
    /** The recipe hash the receipts were matched against. */
    private String recipeHash;
    /**
     * Retry rounds ({@code palimpsest retry-rejects}) combined into these totals: a document a round
     * wrote counts as written, one it rejected under the round's reason; null when there are none.
     * {@code receipts} counts the run's receipts only.
     */
    private Long retryRounds;
    /** Receipts found with another recipe hash (a reused output prefix); not summed. */
    private Long foreignReceipts;
}
