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
    void theToleratedQueueIsPerReplicaSeen() {
        AdaptiveConcurrency one = new AdaptiveConcurrency(40, 4096, now::get);
        AdaptiveConcurrency four = new AdaptiveConcurrency(40, 4096, now::get);
        fill(one, 40);
        fill(four, 40);
        // 4 replicas of 8 running with 12 waiting in all: 3 per replica is under the 4 each tolerates
        one.onEngineSample(12, 32, 0.5, 0, 1);
        four.onEngineSample(12, 32, 0.5, 0, 4);
        assertTrue(one.limit() < 40, "as one replica, 12 waiting is too many: " + one.limit());
        assertTrue(four.limit() > 40, "over four replicas it is not: " + four.limit());
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

    @Test
    void aPreemptionCutsTheLimitAndCapsItsGrowthJustBelow() {
        AdaptiveConcurrency limiter = new AdaptiveConcurrency(100, 4096, now::get);
        fill(limiter, 100);
        limiter.onEngineSample(0, 100, 0.8, 3);
        assertEquals(85, limiter.limit(), "cut by 15%");
        for (int i = 0; i < 20; i++) {
            now.addAndGet(500_000_000L);
            fill(limiter, limiter.limit() - limiter.inFlight());
            limiter.onEngineSample(0, limiter.inFlight(), 0.5, 0);
        }
        assertEquals(95, limiter.limit(), "grows back to 95% of the level that overflowed, no further");
        now.addAndGet(AdaptiveConcurrency.CEILING_MEMORY_NANOS);
        fill(limiter, limiter.limit() - limiter.inFlight());
        limiter.onEngineSample(0, limiter.inFlight(), 0.5, 0);
        assertTrue(limiter.limit() > 95, "the ceiling is forgotten after a while: " + limiter.limit());
    }

    @Test
    void preemptionsCutOncePerSecondAndOnlyOnceTheLastCutIsInForce() {
        AdaptiveConcurrency limiter = new AdaptiveConcurrency(100, 4096, now::get);
        List<CompletableFuture<Void>> permits = fill(limiter, 100);
        limiter.onEngineSample(0, 100, 1.0, 2);
        now.addAndGet(500_000_000L);
        limiter.onEngineSample(0, 100, 1.0, 2);
        assertEquals(85, limiter.limit());
        now.addAndGet(600_000_000L);
        limiter.onEngineSample(0, 100, 1.0, 1);
        assertEquals(85, limiter.limit(), "100 still in flight: the first cut is not in force yet");
        for (int i = 0; i < 15; i++) {
            limiter.release(AdaptiveConcurrency.Signal.SUCCESS, 0);
        }
        limiter.onEngineSample(0, 85, 1.0, 1);
        assertEquals(72, limiter.limit());
    }

    @Test
    void aNearlyFullCacheWantsNothingWaiting() {
        AdaptiveConcurrency limiter = new AdaptiveConcurrency(80, 4096, now::get);
        fill(limiter, 80);
        limiter.onEngineSample(0, 80, 0.95, 0);
        assertEquals(80, limiter.limit(), "nothing waits, the cache is full: hold");
        limiter.onEngineSample(16, 64, 0.97, 0);
        assertEquals(64, limiter.limit(), "what waits behind a full cache is trimmed");
        limiter.onEngineSample(0, 64, 0.6, 0);
        assertTrue(limiter.limit() > 64, "room in the cache: grow again");
    }

    @Test
    void aKvBoundServerSettlesWithoutPreemptions() {
        // a replica whose cache holds 64 sequences and whose max_num_seqs is 256; it admits whatever
        // waits while prompts fit, and preempts once what it admitted grows past 64
        AdaptiveConcurrency limiter = new AdaptiveConcurrency(64, 4096, now::get);
        int preemptionsLate = 0;
        for (int round = 0; round < 400; round++) {
            now.addAndGet(500_000_000L);
            // a few generations end every half second; what the limit no longer allows is not replaced
            for (int done = 0; done < 3 && limiter.inFlight() > 0; done++) {
                limiter.release(AdaptiveConcurrency.Signal.SUCCESS, 0);
            }
            fill(limiter, limiter.limit() - limiter.inFlight());
            int inFlight = limiter.inFlight();
            int running = Math.min(inFlight, 74); // prompts of waiting requests fit up to ~74
            int preempted = running > 64 ? running - 64 : 0;
            if (round >= 300) {
                preemptionsLate += preempted;
            }
            limiter.onEngineSample(inFlight - running, running, Math.min(1.0, running / 64.0 * 0.93), preempted);
        }
        int limit = limiter.limit();
        assertTrue(limit >= 55 && limit <= 64, "holds near the cache's 64: " + limit);
        assertTrue(preemptionsLate <= 10, "few preemptions once settled: " + preemptionsLate);
    }

    private static List<CompletableFuture<Void>> fill(AdaptiveConcurrency limiter, int count) {
        List<CompletableFuture<Void>> permits = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            permits.add(limiter.acquire());
        }
        return permits;
    }
}
