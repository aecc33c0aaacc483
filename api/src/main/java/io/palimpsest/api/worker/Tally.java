package io.palimpsest.api.worker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
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
 * whose summaries were never seen, or with failed indexes whose shards may have committed all the
 * same (a worker killed after its commit), the operator runs this once, replaces its folded totals
 * by these and counts the failed indexes {@link #receiptShards} names as committed; the operator
 * itself never holds storage credentials.
 *
 * <p>Every committed shard counts, whatever recipe made it: after a recipe change accepted with
 * {@code --accept-recipe-change} the shards committed before it stay in the output, and readers of
 * the output read them. {@code earlierRecipes} says how much of the totals other recipes made, so
 * the mix is seen; {@code palimpsest local}'s summary counts the same way.
 */
@Data
@NoArgsConstructor
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Tally {
    /** Receipts summed (committed shards), of every recipe. */
    private long receipts;

    private long read;
    private long written;
    private long rejected;
    private long skipped;
    /** Records written per variant; bounded by {@link VariantCounts}. */
    private Map<String, Long> writtenByVariant;
    /** Documents rejected per reason; bounded by {@link VariantCounts}. */
    private Map<String, Long> rejectedByReason;
    /**
     * Documents skipped per reason ({@code filter:regex}, {@code too_short}, {@code blank_line}, ...: they sum to
     * {@code skipped}); bounded by {@link VariantCounts}. A document a retry round skipped counts here, under the
     * round's reason.
     */
    private Map<String, Long> skippedByReason;

    private long promptTokens;
    private long completionTokens;
    /**
     * The shards that have a receipt, in the Kubernetes index form ({@code "0-41,43-99"}): a worker Job's index
     * that the Job controller failed although its shard committed (a worker killed after its commit, before its
     * summary) is committed all the same, and the operator, which reads no storage, learns it here. Null when the
     * form is longer than {@link #RECEIPT_SHARDS_BUDGET} (the termination message holds 4 KiB): the operator then
     * takes no failed index for committed.
     */
    private String receiptShards;

    /** The longest {@link #receiptShards} reported; a set too fragmented for it is not reported at all. */
    public static final int RECEIPT_SHARDS_BUDGET = 2048;

    /** The job's recipe hash: receipts of any other are {@link #earlierRecipes}. */
    private String recipeHash;
    /**
     * Retry rounds ({@code palimpsest retry-rejects}) combined into these totals: a document a round
     * ran again is no longer the reject it was and counts as the round ended it, written, rejected or
     * skipped under the round's reason; null when there are none. {@code receipts} counts the run's
     * receipts only.
     */
    private Long retryRounds;
    /**
     * The part of the totals committed under recipes other than the job's (shards committed before an
     * accepted recipe change), one entry per recipe hash, in the order of the hashes; null when every
     * receipt names the job's recipe.
     */
    private List<EarlierRecipe> earlierRecipes;

    /**
     * The run's shards committed under one other recipe: their receipts' counts, which the totals
     * include. Retry rounds are not split by recipe: they are in the totals only.
     */
    @Data
    @NoArgsConstructor
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class EarlierRecipe {
        /** The hash its receipts name; null for receipts that name none (written before receipts did). */
        private String recipeHash;

        private long receipts;
        private long read;
        private long written;
        private long rejected;
        private long skipped;
    }
}
