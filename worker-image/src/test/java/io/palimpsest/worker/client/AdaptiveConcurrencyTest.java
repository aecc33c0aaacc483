package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class AdaptiveConcurrencyTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);

    @Test
    void holdsRequestsBeyondTheLimitUntilAPermitIsReleased() {
        AdaptiveConcurrency limiter = new AdaptiveConcurrency(2, 10, now::get);
        assertTrue(limiter.acquire().isDone());
        assertTrue(limiter.acquire().isDone());
        CompletableFuture<Void> third = limiter.acquire();
        assertFalse(third.isDone());
        limiter.release(AdaptiveConcurrency.Signal.FAILURE, 0);
        assertTrue(third.isDone());
        assertEquals(2, limiter.inFlight());
    }

    @Test
    void growsWhileTheServerQueueIsEmptyAndShrinksWhenItBacksUp() {
        AdaptiveConcurrency limiter = new AdaptiveConcurrency(100, 4096, now::get);
        fill(limiter, 100);
        limiter.onQueueSample(0, 100);
        assertEquals(110, limiter.limit(), "running 100, nothing waiting: grow by the target queue (10% of the batch)");
        fill(limiter, 10);
        limiter.onQueueSample(200, 100);
        assertTrue(limiter.limit() < 60, "a long queue halves the limit at most per sample: " + limiter.limit());
    }

    @Test
    void steadyStateKeepsAShortQueueBehindAFullBatch() {
        AdaptiveConcurrency limiter = new AdaptiveConcurrency(256, 4096, now::get);
        // a simulated server with a batch of 256: whatever is in flight beyond it waits
        for (int round = 0; round < 50; round++) {
            fill(limiter, limiter.limit() - limiter.inFlight());
            int inFlight = limiter.inFlight();
            limiter.onQueueSample(Math.max(0, inFlight - 256), Math.min(256, inFlight));
        }
        int waiting = limiter.limit() - 256;
        assertTrue(waiting >= 4 && waiting <= 40, "queue behind the batch: " + waiting);
    }

    @Test
    void withoutQueueSamplesOverloadCutsTheLimitAtMostOncePerSecond() {
        AdaptiveConcurrency limiter = new AdaptiveConcurrency(100, 4096, now::get);
        fill(limiter, 3);
        limiter.release(AdaptiveConcurrency.Signal.OVERLOAD, 0);
        limiter.release(AdaptiveConcurrency.Signal.OVERLOAD, 0);
        assertEquals(75, limiter.limit());
        now.addAndGet(1_500_000_000L);
        limiter.release(AdaptiveConcurrency.Signal.OVERLOAD, 0);
        assertEquals(56, limiter.limit());
    }

    @Test
    void withoutQueueSamplesLatencyInflationEndsSlowStart() {
        AdaptiveConcurrency limiter = new AdaptiveConcurrency(4, 4096, now::get);
        for (int i = 0; i < 40; i++) {
            fill(limiter, limiter.limit() - limiter.inFlight());
            limiter.release(AdaptiveConcurrency.Signal.SUCCESS, 1_000_000);
        }
        int grown = limiter.limit();
        assertTrue(grown > 20, "slow start doubles per round trip: " + grown);
        for (int i = 0; i < 60; i++) {
            now.addAndGet(1_100_000_000L);
            fill(limiter, 1);
            limiter.release(AdaptiveConcurrency.Signal.SUCCESS, 5_000_000);
        }
        assertTrue(limiter.limit() < grown, "5x slower per token: back off from " + grown + " to " + limiter.limit());
    }

    private static List<CompletableFuture<Void>> fill(AdaptiveConcurrency limiter, int count) {
        List<CompletableFuture<Void>> permits = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            permits.add(limiter.acquire());
        }
        return permits;
    }
}
