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
 * replicas stand behind the address, because each replica sees its share of our requests. While
 * samples are fresh they alone steer; 429 and 503 then only delay the retry.
 *
 * <p>Without samples (an endpoint with no /metrics), latency per generated token stands in for the
 * queue: slow start (double per round trip) until it rises 50% above the best seen, then additive
 * increase / multiplicative decrease, and 429 and 503 cut the limit by a quarter (at most once a second).
 */
public final class AdaptiveConcurrency {

    /** How an attempt ended, as far as load is concerned. */
    public enum Signal { SUCCESS, OVERLOAD, FAILURE }

    private static final long SAMPLE_FRESH_NANOS = 5_000_000_000L;
    private static final long DECREASE_SPACING_NANOS = 1_000_000_000L;

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
        Deque<CompletableFuture<Void>> admitted = new ArrayDeque<>();
        synchronized (this) {
            lastSampleNanos = nanoClock.getAsLong();
            boolean limitBinds = inFlight >= limit * 0.9 || !waiters.isEmpty();
            double targetWaiting = Math.max(4, running * 0.1);
            double ratio = (running + targetWaiting) / Math.max(1, running + waiting);
            if (ratio > 1 && !limitBinds) {
                return; // do not grow a limit we are not using
            }
            setLimit(limit * Math.max(0.5, Math.min(2.0, ratio)));
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
        recentNanosPerToken = recentNanosPerToken == 0 ? nanosPerToken : recentNanosPerToken * 0.9 + nanosPerToken * 0.1;
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
