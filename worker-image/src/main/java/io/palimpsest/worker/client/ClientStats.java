package io.palimpsest.worker.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import org.HdrHistogram.ConcurrentHistogram;

/** What the client did: requests, successes, retries by reason, latency. Read by logs, metrics and benchmarks. */
public final class ClientStats {
    public final LongAdder attempts = new LongAdder();
    public final LongAdder successes = new LongAdder();
    public final LongAdder completionTokens = new LongAdder();
    public final LongAdder promptTokens = new LongAdder();
    public final Map<String, LongAdder> retriesByReason = new ConcurrentHashMap<>();
    /** Successful attempt latency in microseconds, up to an hour. */
    public final ConcurrentHistogram latencyMicros = new ConcurrentHistogram(3_600_000_000L, 2);

    /** Told each successful attempt's latency in nanoseconds as well (the metrics endpoint's histogram). */
    private volatile LongConsumer latencyListener = nanos -> {};

    public void onLatency(LongConsumer listener) {
        this.latencyListener = listener;
    }

    void latency(long nanos) {
        latencyMicros.recordValue(Math.min(nanos / 1000, 3_600_000_000L));
        latencyListener.accept(nanos);
    }

    void retry(String reason) {
        retriesByReason.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    public long totalRetries() {
        return retriesByReason.values().stream().mapToLong(LongAdder::sum).sum();
    }
}
