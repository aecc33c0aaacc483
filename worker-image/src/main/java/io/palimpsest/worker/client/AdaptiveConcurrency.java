package io.palimpsest.worker.client;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * Decides how many requests may be in flight, between 1 and {@code cap}. The aim is a server whose
 * batch is always full with a short queue behind it: enough requests that a finished sequence is
 * replaced at once, not so many that requests wait minutes and time out.
 *
 * <p>With queue samples from the server ({@code vllm:num_requests_waiting} and {@code _running}), the
 * limit is scaled by {@code (running + targetWaiting) / (running + waiting)}: it grows while nothing
 * waits and shrinks when the queue grows past the target. The ratio does not depend on how many
 * replicas stand behind the address, because each replica sees its share of our requests. Behind a
 * Service, waiting is read at the replica with the shortest queue (see {@link QueueDepthProbe.FleetSample}):
 * a queue on one replica while another has free slots is a placement left over, not too many
 * requests, and cutting the limit for it would empty the others further. While samples are fresh they
 * alone steer; 429 and 503 then only delay the retry.
 *
 * <p>When the server also reports its KV cache ({@code vllm:kv_cache_usage_perc}) and preemptions
 * ({@code vllm:num_preemptions_total}), long documents are handled too. There the cache, not
 * {@code max_num_seqs}, bounds the batch, and vLLM admits a waiting request as soon as its prompt
 * fits: every request queued behind a nearly full cache is admitted early, outgrows the cache as it
 * generates, and gets another sequence preempted and recomputed. So above {@link #KV_HIGH} usage the
 * target queue is zero (the limit holds what runs), and a preemption cuts the limit by
 * {@link #PREEMPTION_CUT} (once the previous cut is in force, at most once a second) and caps later
 * growth just below the level that overflowed, for {@link #CEILING_MEMORY_NANOS}.
 *
 * <p>Without samples (an endpoint with no /metrics), latency per generated token stands in for the
 * queue: slow start (double per round trip) until it rises 50% above the best seen, then additive
 * increase / multiplicative decrease, and 429 and 503 cut the limit by a quarter (at most once a second).
 */
public final class AdaptiveConcurrency {

    /** How an attempt ended, as far as load is concerned. */
    public enum Signal {
        SUCCESS,
        OVERLOAD,
        FAILURE
    }

    private static final long SAMPLE_FRESH_NANOS = 5_000_000_000L;
    private static final long DECREASE_SPACING_NANOS = 1_000_000_000L;
    /** KV usage above which nothing should wait: a queued request would be admitted into the last blocks. */
    static final double KV_HIGH = 0.90;

    static final double PREEMPTION_CUT = 0.85;
    /**
     * Behind a Service a sample may miss some of the replicas our requests spread over (the probe
     * scrapes several, see {@link QueueDepthProbe}): a worker whose sample shows only idle replicas
     * must not double a limit that also loads the busy ones, so growth per sample is bounded (a
     * limit of 64 still reaches 256 in about 3 s).
     */
    static final double MAX_GROWTH_PER_SAMPLE = 1.25;
    /** How long a limit that caused preemptions stays the ceiling; batches and documents change. */
    static final long CEILING_MEMORY_NANOS = 60_000_000_000L;

    private final int cap;
    private final LongSupplier nanoClock;
    private final Deque<CompletableFuture<Void>> waiters = new ArrayDeque<>();
    private double limit;
    private int inFlight;
    private long lastSampleNanos = Long.MIN_VALUE;
    private long lastDecreaseNanos;
    private boolean slowStart = true;
    private double bestNanosPerToken = Double.MAX_VALUE;
    private double recentNanosPerToken;
    private int maxInFlightSeen;
    private double preemptionCeiling = Double.MAX_VALUE;
    private long preemptionCeilingNanos;

    public AdaptiveConcurrency(int initial, int cap, LongSupplier nanoClock) {
        this.cap = Math.max(1, cap);
        this.limit = Math.max(1, Math.min(initial, this.cap));
        this.nanoClock = nanoClock;
        // nanoTime may be any value, even negative: start "long ago" relative to it, without overflow
        this.lastDecreaseNanos = nanoClock.getAsLong() - 2 * DECREASE_SPACING_NANOS;
    }

    /** Completes when the caller may send; the caller must {@link #release} exactly once afterwards. */
    public synchronized CompletableFuture<Void> acquire() {
        if (inFlight < (int) limit) {
            inFlight++;
            maxInFlightSeen = Math.max(maxInFlightSeen, inFlight);
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> ticket = new CompletableFuture<>();
        waiters.add(ticket);
        return ticket;
    }

    /** @param nanosPerToken latency divided by generated tokens, for successes; ignored otherwise */
    public void release(Signal signal, double nanosPerToken) {
        Deque<CompletableFuture<Void>> admitted = new ArrayDeque<>();
        synchronized (this) {
            inFlight--;
            adjust(signal, nanosPerToken);
            while (inFlight < (int) limit && !waiters.isEmpty()) {
                inFlight++;
                maxInFlightSeen = Math.max(maxInFlightSeen, inFlight);
                admitted.add(waiters.poll());
            }
        }
        // complete outside the lock: the continuations start requests
        admitted.forEach(ticket -> ticket.complete(null));
    }

    /** A queue sample from the server (summed over its models), when /metrics is reachable. */
    public void onQueueSample(double waiting, double running) {
        onEngineSample(waiting, running, Double.NaN, Double.NaN);
    }

    /**
     * A sample from the server: its queue, and when it reports them its KV cache usage (0-1) and
     * the preemptions since the previous sample of the same server; NaN for what it does not report.
     */
    public void onEngineSample(double waiting, double running, double kvUsage, double newPreemptions) {
        onEngineSample(waiting, running, kvUsage, newPreemptions, 1);
    }

    /**
     * As {@link #onEngineSample(double, double, double, double)} for {@code replicas} replicas seen at
     * once behind one address: waiting, running and new preemptions summed over them, KV usage their
     * mean. The tolerated queue is per replica, so it is summed too.
     */
    public void onEngineSample(double waiting, double running, double kvUsage, double newPreemptions, int replicas) {
        Deque<CompletableFuture<Void>> admitted = new ArrayDeque<>();
        synchronized (this) {
            long now = nanoClock.getAsLong();
            lastSampleNanos = now;
            if (now - preemptionCeilingNanos > CEILING_MEMORY_NANOS) {
                preemptionCeiling = Double.MAX_VALUE;
            }
            if (newPreemptions > 0) {
                // the batch outgrew the cache: the level we were at is too high. Only once the last
                // cut is in force (in flight down to the limit; generations take many seconds to
                // finish), or the preemptions its overshoot still causes would cut again and again.
                if (now - lastDecreaseNanos > DECREASE_SPACING_NANOS && inFlight <= limit) {
                    lastDecreaseNanos = now;
                    preemptionCeiling = Math.max(1, limit * 0.95);
                    preemptionCeilingNanos = now;
                    setLimit(limit * PREEMPTION_CUT);
                }
                return;
            }
            boolean limitBinds = inFlight >= limit * 0.9 || !waiters.isEmpty();
            boolean cacheBound = kvUsage >= KV_HIGH;
            double targetWaiting = cacheBound ? 0 : Math.max(4.0 * Math.max(1, replicas), running * 0.1);
            double ratio = (running + targetWaiting) / Math.max(1, running + waiting);
            if (ratio >= 1 && (!limitBinds || cacheBound)) {
                return; // do not grow a limit we are not using, nor one the cache cannot take
            }
            setLimit(Math.min(
                    limit * Math.max(0.5, Math.min(MAX_GROWTH_PER_SAMPLE, ratio)), Math.max(limit, preemptionCeiling)));
            while (inFlight < (int) limit && !waiters.isEmpty()) {
                inFlight++;
                admitted.add(waiters.poll());
            }
        }
        admitted.forEach(ticket -> ticket.complete(null));
    }

    public synchronized int limit() {
        return (int) limit;
    }

    public synchronized int inFlight() {
        return inFlight;
    }

    public synchronized int waiting() {
        return waiters.size();
    }

    private void adjust(Signal signal, double nanosPerToken) {
        long now = nanoClock.getAsLong();
        if (signal == Signal.OVERLOAD) {
            slowStart = false;
            // with the server's own queue in view, a 429 from a gateway or a quota is not a full batch:
            // the queue control already holds the in-flight count where the server wants it
            if (!queueSamplesFresh(now) && now - lastDecreaseNanos > DECREASE_SPACING_NANOS) {
                lastDecreaseNanos = now;
                setLimit(limit * 0.75);
            }
            return;
        }
        if (signal != Signal.SUCCESS || queueSamplesFresh(now) || nanosPerToken <= 0) {
            return;
        }
        latencyControl(now, nanosPerToken);
    }

    private void latencyControl(long now, double nanosPerToken) {
        recentNanosPerToken =
                recentNanosPerToken == 0 ? nanosPerToken : recentNanosPerToken * 0.9 + nanosPerToken * 0.1;
        bestNanosPerToken = Math.min(bestNanosPerToken, recentNanosPerToken);
        boolean limitBinds = inFlight + 1 >= limit * 0.9;
        if (recentNanosPerToken > bestNanosPerToken * 2) {
            slowStart = false;
            if (now - lastDecreaseNanos > DECREASE_SPACING_NANOS) {
                lastDecreaseNanos = now;
                setLimit(limit * 0.9);
            }
        } else if (limitBinds) {
            if (slowStart && recentNanosPerToken > bestNanosPerToken * 1.5) {
                slowStart = false;
            }
            setLimit(limit + (slowStart ? 1 : 1 / limit));
        }
    }

    private boolean queueSamplesFresh(long now) {
        return lastSampleNanos != Long.MIN_VALUE && now - lastSampleNanos < SAMPLE_FRESH_NANOS;
    }

    private void setLimit(double value) {
        limit = Math.max(1, Math.min(cap, value));
    }
}
