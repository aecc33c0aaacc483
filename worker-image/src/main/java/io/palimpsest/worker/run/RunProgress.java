package io.palimpsest.worker.run;

import io.palimpsest.worker.format.ItemReason;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters for progress lines and metrics; written by the run, read by anyone. They count
 * what this process answered, committed or not: receipts stay the only source of committed totals.
 */
public final class RunProgress {
    public final AtomicLong itemsDone = new AtomicLong();
    public final AtomicLong written = new AtomicLong();
    /** Documents that produced nothing, rejected and skipped alike. */
    public final AtomicLong rejected = new AtomicLong();
    /** The part of {@link #rejected} that was skipped (blank lines, empty texts). */
    public final AtomicLong skipped = new AtomicLong();

    public final AtomicLong promptTokens = new AtomicLong();
    public final AtomicLong completionTokens = new AtomicLong();
    /** Planned input bytes of the shards this process has begun. */
    public final AtomicLong shardBytes = new AtomicLong();
    /** Input bytes read so far (as stored, i.e. compressed); with {@link #shardBytes}, how far the shards are. */
    public final AtomicLong bytesRead = new AtomicLong();
    /** Items taken from the input (the reader runs ahead of the answers by the in-flight window). */
    public final AtomicLong itemsRead = new AtomicLong();
    /** Items read that an earlier attempt's checkpoint parts already hold. */
    public final AtomicLong itemsResumed = new AtomicLong();
    /** Planned bytes of the shards found committed before this process began them (also in {@link #bytesRead}). */
    public final AtomicLong bytesCommittedBefore = new AtomicLong();
    /** Documents those shards read, from their receipts. */
    public final AtomicLong itemsCommittedBefore = new AtomicLong();
    /** By "outcome/reason": at most one key per catalogue reason, so the metric's labels stay bounded. */
    private final Map<String, LongAdder> notWritten = new ConcurrentHashMap<>();

    void record(ProcessedDocument result) {
        itemsDone.incrementAndGet();
        ItemReason.Outcome outcome = result.outcomeOrNullIfWritten();
        if (outcome == null) {
            written.incrementAndGet();
        } else {
            rejected.incrementAndGet();
            if (outcome == ItemReason.Outcome.SKIPPED) {
                skipped.incrementAndGet();
            }
            String key = (outcome == ItemReason.Outcome.SKIPPED ? "skipped/" : "rejected/")
                    + result.reasonIfNotWritten().code();
            notWritten.computeIfAbsent(key, k -> new LongAdder()).increment();
        }
        promptTokens.addAndGet(result.promptTokens());
        completionTokens.addAndGet(result.completionTokens());
    }

    /** Documents not written so far by "outcome/reason" (outcome: rejected or skipped), in name order. */
    public Map<String, Long> notWrittenByReason() {
        Map<String, Long> out = new TreeMap<>();
        notWritten.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** How far through its input the run is, 0-1; NaN before any shard began. */
    public double inputFraction() {
        return inputFraction(shardBytes.get());
    }

    /**
     * The share of {@code plannedBytes} done, by this process or before it: the shards committed before count
     * whole; of the bytes read in the others, the share of the items read that are answered or were resumed
     * from checkpoint parts. Bytes alone run ahead by the reader's buffers and the in-flight window, which for
     * a small shard is all of it; the item ratio takes both back out.
     */
    public double inputFraction(long plannedBytes) {
        return share(plannedBytes, itemsDone.get() + itemsResumed.get());
    }

    /**
     * The part of {@link #inputFraction(long)} done before this process: the shards committed before and the
     * items resumed from checkpoint parts. What this process did is the difference.
     */
    public double fractionBefore(long plannedBytes) {
        return share(plannedBytes, itemsResumed.get());
    }

    /** Documents done before this process: read by the shards committed before, and resumed from checkpoint parts. */
    public long documentsBefore() {
        return itemsCommittedBefore.get() + itemsResumed.get();
    }

    private double share(long plannedBytes, long itemsCounted) {
        if (plannedBytes <= 0) {
            return Double.NaN;
        }
        long committed = Math.min(bytesCommittedBefore.get(), plannedBytes);
        double read = Math.min(plannedBytes - committed, Math.max(0, bytesRead.get() - committed));
        long items = itemsRead.get();
        double counted = items <= 0 ? 0 : Math.min(1.0, itemsCounted / (double) items);
        return (committed + read * counted) / plannedBytes;
    }
}
