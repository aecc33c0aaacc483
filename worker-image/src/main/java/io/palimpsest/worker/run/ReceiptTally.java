package io.palimpsest.worker.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.api.worker.VariantCounts;
import io.palimpsest.worker.plan.PlanIdentity;
import io.palimpsest.worker.plan.PlanReplacedException;
import io.palimpsest.worker.plan.RecipeMarker;
import io.palimpsest.worker.storage.ManyReads;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import java.io.IOException;
import java.util.BitSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The totals of an output, one definition for every command that states them ({@code tally} for the
 * operator's status, {@code local}'s summary): the sums over every receipt under the output root, the
 * authoritative totals of a job, for when the operator could not read every worker pod's summary
 * (finished pods are garbage-collected).
 *
 * <p>Everything committed counts, whatever recipe made it: shards committed before a recipe change
 * that {@code --accept-recipe-change} accepted stay in the output, where its readers read them, so
 * they are in the totals, and {@link Tally#getEarlierRecipes()} says how much of them each earlier
 * recipe made ({@link EarlierRecipeParts}, retry rounds' shards included; {@link EarlierRecipes} words
 * it). A receipt that names another plan than the one in force ({@link PlanIdentity}) fails the tally naming it:
 * its counts are another plan's shard's (a receipt of an earlier version names none and counts as before). Committed
 * retry rounds ({@link RetryRounds}) are combined as docs/RELIABILITY.md says: a
 * document is in force where it was last run.
 *
 * <p>It also says which shards have a receipt ({@link Tally#getReceiptShards()}): the commit point is the receipt
 * under the shard's key, whatever became of the attempt that made it, so a shard whose index the Job controller failed
 * (its worker killed after the commit) is committed all the same.
 */
public final class ReceiptTally {
    static final String RECEIPTS_PREFIX = ShardLayout.receiptsFolder();
    /** The shard a receipt commits, from its key ({@link ShardLayout#receiptKey()}), as a worker looks it up. */
    private static final Pattern RECEIPT_KEY = Pattern.compile("(?:^|/)shard-(\\d{1,9})\\.json$");

    private final ObjectMapper json;
    private final int inFlight;

    /** @param inFlight receipts read at once ({@link ManyReads}; 1 reads them one after another) */
    public ReceiptTally(ObjectMapper json, int inFlight) {
        this.json = json;
        this.inFlight = inFlight;
    }

    /** @param recipeHash the job's: receipts naming another are counted, and split out as earlier recipes' */
    public Tally sum(Storage output, String recipeHash) throws IOException {
        new RecipeMarker(json).checkFormat(output); // a later version's receipts may count otherwise
        Tally tally = new Tally();
        tally.setRecipeHash(recipeHash);
        ItemCounts total = new ItemCounts();
        EarlierRecipeParts earlier = new EarlierRecipeParts(json, recipeHash);
        String plan = PlanIdentity.inForce(output);
        List<String> keys = output.list(RECEIPTS_PREFIX).stream()
                .map(StoredObject::key)
                .filter(key -> key.endsWith(".json"))
                .toList();
        BitSet withReceipt = new BitSet();
        ManyReads.inOrder(output, keys, inFlight, (key, bytes) -> {
            Receipt receipt = json.readValue(bytes, Receipt.class);
            if (PlanIdentity.another(receipt.planSha256(), plan)) {
                // another plan's shard under this plan's number: its counts are not this plan's
                throw new PlanReplacedException(ShardCommitter.ofAnotherPlan(output.describe(key), receipt, plan));
            }
            tally.setReceipts(tally.getReceipts() + 1);
            Matcher shard = RECEIPT_KEY.matcher(key);
            if (shard.find()) {
                withReceipt.set(Integer.parseInt(shard.group(1)));
            }
            total.add(receipt.counts());
            earlier.run(receipt);
        });
        long rounds = 0;
        List<RetryRounds.Round> committed = RetryRounds.committed(output, json);
        for (RetryRounds.Round round : committed) {
            rounds++;
            inForce(total, round);
        }
        earlier.rounds(output, committed);
        tally.setRead(total.read);
        tally.setWritten(total.written);
        tally.setRejected(total.rejected);
        tally.setSkipped(total.skipped);
        tally.setWrittenByVariant(VariantCounts.merge(null, total.variants));
        tally.setRejectedByReason(VariantCounts.merge(null, total.reasons));
        tally.setSkippedByReason(VariantCounts.merge(null, total.skipReasons));
        tally.setPromptTokens(total.promptTokens);
        tally.setCompletionTokens(total.completionTokens);
        if (rounds > 0) {
            tally.setRetryRounds(rounds);
        }
        tally.setEarlierRecipes(earlier.parts());
        String shards = indexForm(withReceipt);
        tally.setReceiptShards(shards.length() <= Tally.RECEIPT_SHARDS_BUDGET ? shards : null);
        return tally;
    }

    /** {@code set} as the Kubernetes Job API writes indexes: {@code "0-3,5,7-9"}; empty for an empty set. */
    static String indexForm(BitSet set) {
        StringBuilder out = new StringBuilder();
        for (int start = set.nextSetBit(0); start >= 0; start = set.nextSetBit(start)) {
            int end = set.nextClearBit(start) - 1;
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(start);
            if (end > start) {
                out.append('-').append(end);
            }
            start = end + 1;
        }
        return out.toString();
    }

    /**
     * A retry round on top of the totals so far. Every document it read was a reject in force there (of the run, or of
     * the round before), counted once under the reason in {@code retriedFor}; a document is in force where it was last
     * run, so each leaves the rejects and its reason, and counts as the round's receipts count it: written, rejected
     * under the round's reason, or skipped under the round's skip reason. Read stays the run's (a round reads nothing
     * new): read = written + rejected + skipped still holds, each document counted once.
     */
    public static void inForce(ItemCounts total, RetryRounds.Round round) {
        ItemCounts counts = round.counts();
        total.written += counts.written;
        total.skipped += counts.skipped;
        total.rejected -= counts.written + counts.skipped;
        for (String reason : round.retried().values()) {
            if (reason != null) {
                total.reasons.computeIfPresent(reason, (r, n) -> n > 1 ? n - 1 : null);
            }
        }
        counts.reasons.forEach((reason, n) -> total.reasons.merge(reason, n, Long::sum));
        counts.skipReasons.forEach((reason, n) -> total.skipReasons.merge(reason, n, Long::sum));
        counts.variants.forEach((variant, n) -> total.variants.merge(variant, n, Long::sum));
        total.promptTokens += counts.promptTokens;
        total.completionTokens += counts.completionTokens;
    }
}
