package io.palimpsest.worker.run;

import java.util.Map;
import java.util.TreeMap;

/**
 * Document accounting for a part or a shard: every item read ends up written, rejected or skipped,
 * and the rejections are counted by reason code. Tokens ride along because they are summed the same way.
 */
public final class ItemCounts {
    public long read;
    public long written;
    public long rejected;
    public long skipped;
    public long promptTokens;
    public long completionTokens;
    public Map<String, Long> reasons = new TreeMap<>();

    public void add(ItemCounts other) {
        read += other.read;
        written += other.written;
        rejected += other.rejected;
        skipped += other.skipped;
        promptTokens += other.promptTokens;
        completionTokens += other.completionTokens;
        other.reasons.forEach((reason, n) -> reasons.merge(reason, n, Long::sum));
    }

    public boolean balanced() {
        return read == written + rejected + skipped;
    }

    @Override
    public String toString() {
        return "read=" + read + " written=" + written + " rejected=" + rejected + " skipped=" + skipped;
    }
}
