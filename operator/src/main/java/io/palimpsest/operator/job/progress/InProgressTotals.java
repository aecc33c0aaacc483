package io.palimpsest.operator.job.progress;

import io.palimpsest.operator.job.ranges.RangeSet;
import java.util.Map;

/**
 * The uncommitted part of a campaign, summed over running shards' readings. A shard already
 * counted (its summary folded into the committed totals), committed or failed is left out, so a
 * late reading never adds to what receipts already say.
 *
 * @param shardFraction the summed share of their input that these shards have read (0 per shard of unknown size)
 */
public record InProgressTotals(
        long documents, long promptTokens, long completionTokens, double shardFraction, int shards) {
    public static final InProgressTotals NONE = new InProgressTotals(0, 0, 0, 0, 0);

    public static InProgressTotals of(
            Map<Integer, ShardProgress> readings, RangeSet counted, RangeSet completed, RangeSet failed) {
        long documents = 0;
        long prompt = 0;
        long completion = 0;
        double fraction = 0;
        int shards = 0;
        for (ShardProgress p : readings.values()) {
            if (counted.contains(p.shard()) || completed.contains(p.shard()) || failed.contains(p.shard())) {
                continue;
            }
            documents += p.documents();
            prompt += p.promptTokens();
            completion += p.completionTokens();
            fraction += p.fraction();
            shards++;
        }
        return shards == 0 ? NONE : new InProgressTotals(documents, prompt, completion, fraction, shards);
    }
}
