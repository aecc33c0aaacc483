package io.palimpsest.worker.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * What the client did: requests, successes, retries by reason, latency. Read by logs, metrics and
 * benchmarks. The model calls (completions) and the token counts ({@code tokenizer.mode: server}'s
 * POST /tokenize) go through the same path and are counted apart: {@link #attempts},
 * {@link #successes} and {@link #retriesByReason} are the completions', {@link #counts} the counts'.
 */
public final class ClientStats {
    /**
     * One kind of request: attempts sent (retries included), attempts answered, failed attempts by
     * reason (retried while the document's retries last), and attempts the server refused for good
     * (a status that is not retried: 400, 401, 404, ...), by status.
     */
    public static final class Requests {
        public final LongAdder attempts = new LongAdder();
        public final LongAdder answered = new LongAdder();
        public final Map<String, LongAdder> retriesByReason = new ConcurrentHashMap<>();
        public final Map<String, LongAdder> refusedByStatus = new ConcurrentHashMap<>();

        void retry(String reason) {
            retriesByReason.computeIfAbsent(reason, r -> new LongAdder()).increment();
        }

        void refused(int status) {
            refusedByStatus
                    .computeIfAbsent("http_" + status, r -> new LongAdder())
                    .increment();
        }

        public long totalRetries() {
            return retriesByReason.values().stream().mapToLong(LongAdder::sum).sum();
        }

        public long totalRefused() {
            return refusedByStatus.values().stream().mapToLong(LongAdder::sum).sum();
        }
    }

    /** The model calls: chat and raw completions. */
    public final Requests completions = new Requests();
    /** The token counts (POST /tokenize, for tokenizer.mode: server). */
    public final Requests counts = new Requests();

    public final LongAdder attempts = completions.attempts;
    public final LongAdder successes = completions.answered;
    public final LongAdder completionTokens = new LongAdder();
    public final LongAdder promptTokens = new LongAdder();
    public final Map<String, LongAdder> retriesByReason = completions.retriesByReason;
    public final Map<String, LongAdder> refusedByStatus = completions.refusedByStatus;
    /** Successful completion latency in microseconds, up to an hour. */
    public final ConcurrentHistogram latencyMicros = new ConcurrentHistogram(3_600_000_000L, 2);

    /** Told each successful completion's latency in nanoseconds as well (the metrics endpoint's histogram). */
    private volatile LongConsumer latencyListener = nanos -> {};

    public void onLatency(LongConsumer listener) {
        this.latencyListener = listener;
    }

    void latency(long nanos) {
        latencyMicros.recordValue(Math.min(nanos / 1000, 3_600_000_000L));
        latencyListener.accept(nanos);
    }

    void retry(String reason) {
        completions.retry(reason);
    }

    public long totalRetries() {
        return completions.totalRetries();
    }
}
