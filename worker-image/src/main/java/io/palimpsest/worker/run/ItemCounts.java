package io.palimpsest.worker.run;

import java.util.Map;
import java.util.TreeMap;

/**
 * Document accounting for a part or a shard: every item read ends up written, rejected or skipped.
 * A document that is not written is counted once, under the reason of its first rejection:
 * {@code reasons} sums to {@code rejected} and {@code skipReasons} to {@code skipped}. A document is
 * written when any variant produced output; {@code variants} counts the records in each variant's
 * file (a variant can reject a document another variant wrote: that rejection is in the rejects file).
 * Tokens ride along because they are summed the same way.
 */
public final class ItemCounts {
    public long read;
    public long written;
    public long rejected;
    public long skipped;
    public long promptTokens;
    public long completionTokens;
    public Map<String, Long> reasons = new TreeMap<>();
    public Map<String, Long> skipReasons = new TreeMap<>();
    public Map<String, Long> variants = new TreeMap<>();

    public void add(ItemCounts other) {
        read += other.read;
        written += other.written;
        rejected += other.rejected;
        skipped += other.skipped;
        promptTokens += other.promptTokens;
        completionTokens += other.completionTokens;
        other.reasons.forEach((reason, n) -> reasons.merge(reason, n, Long::sum));
        other.skipReasons.forEach((reason, n) -> skipReasons.merge(reason, n, Long::sum));
        other.variants.forEach((variant, n) -> variants.merge(variant, n, Long::sum));
    }

    /** read = written + rejected + skipped, and the reasons sum to rejected and skipped. */
    public boolean balanced() {
        return read == written + rejected + skipped && sum(reasons) == rejected && sum(skipReasons) == skipped;
    }

    private static long sum(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public String toString() {
        return "read=" + read + " written=" + written + " rejected=" + rejected + " skipped=" + skipped + " reasons="
                + reasons + " skipReasons=" + skipReasons + " variants=" + variants;
    }
}
