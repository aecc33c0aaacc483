package io.palimpsest.operator.model.autoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReplicaRecommenderTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final ReplicaRecommender recommender = new ReplicaRecommender();

    /** maxNumSeqs 256 + 16 tolerated waiting = 272 requests per replica; windows: up 0 s, down 300 s, idle 600 s. */
    private static ScalingPolicy policy(int min, int max) {
        return new ScalingPolicy(
                min,
                max,
                256,
                16,
                Duration.ZERO,
                Duration.ofSeconds(300),
                Duration.ofSeconds(600),
                Duration.ofSeconds(15));
    }

    // One decision from a fresh history: the rows of the truth table.
    @ParameterizedTest(name = "current={0} waiting={1} running={2} work={3} min={4} max={5} -> {6} ({7})")
    @CsvSource({
        // wake on work
        "0,    0,   0,  10, 0, 4, 1, WakeOnWork",
        "0,    0,   0,  10, 2, 4, 2, WakeOnWork",
        "0,  900,   0,   0, 0, 8, 4, WakeOnWork",
        // nothing to do and nothing running: stay at min, never wake without work
        "0,    0,   0,   0, 0, 4, 0, Steady",
        "0,    0,   0,   0, 1, 4, 1, IdleToMin",
        // follow the queue: ceil(load / 272) clamped to [max(1,min), max]
        "1,  100, 256,  50, 0, 8, 2, QueueDepthUp",
        "1,  544,   0,  50, 0, 8, 2, QueueDepthUp",
        "1,  545,   0,  50, 0, 8, 3, QueueDepthUp",
        "2,   10, 256,  50, 0, 8, 2, Stabilizing",
        "2,  300, 244,  50, 0, 8, 2, Steady",
        "2,    0,   0,  50, 3, 8, 3, QueueDepthUp",
        // never above max
        "1, 9999, 256,  50, 0, 3, 3, QueueDepthUp",
        "6,   10,  10,  50, 0, 3, 3, Bounds",
        // queue work without bound jobs (e.g. other clients) still counts as work
        "1,  600,   0,   0, 0, 8, 3, QueueDepthUp",
    })
    void singleDecision(
            int current, int waiting, int running, long work, int min, int max, int expected, ScaleReason reason) {
        QueueSample sample = new QueueSample(waiting, running, current, 0, T0);
        Recommendation r = recommender.recommend(
                current, sample, Backlog.ofShards(work), policy(min, max), T0, ScalingHistory.empty());
        assertEquals(expected, r.replicas());
        assertEquals(reason, r.reason());
    }

    // Long documents: running levels off where the KV cache is full, far below maxNumSeqs, and the
    // replicas' capacity is that ceiling (running per replica / KV usage) plus the tolerated queue.
    @ParameterizedTest(name = "current={0} waiting={1} running={2} kv={3} backlog requests={4} -> {5} ({6})")
    @CsvSource({
        // 2 replicas running 64 each with a full cache: 64 + 16 per replica; 300 requests -> 4
        "2,  172, 128, 1.0,     0, 4, QueueDepthUp",
        // the same queue without KV figures is sized by maxNumSeqs: 300 / 272 -> 2
        "2,  172, 128, NaN,     0, 2, Steady",
        // a cache half full at 64 per replica: the ceiling is 128, capacity 144; 300 / 144 -> 3
        "2,  172, 128, 0.5,     0, 3, QueueDepthUp",
        // under half full the cache says nothing yet: maxNumSeqs
        "2,  172, 128, 0.4,     0, 2, Steady",
        // the backlog is sized by the same ceiling: 640 requests / (64 + 16) -> 8
        "2,    0, 128, 1.0,   640, 8, QueueDepthUp",
        // short documents fill the batch before the cache: the ceiling is maxNumSeqs
        "2,   40, 512, 0.3,     0, 3, QueueDepthUp",
        "2,   20, 512, 0.7,     0, 2, Steady",
    })
    void kvCacheCeilingSizesTheFleet(
            int current, int waiting, int running, double kv, long backlogRequests, int expected, ScaleReason reason) {
        QueueSample sample = new QueueSample(waiting, running, current, 0, T0, kv);
        Recommendation r = recommender.recommend(
                current,
                sample,
                new Backlog(backlogRequests > 0 ? 20 : 0, backlogRequests),
                policy(0, 8),
                T0,
                ScalingHistory.empty());
        assertEquals(expected, r.replicas());
        assertEquals(reason, r.reason());
    }

    @ParameterizedTest(name = "running={0} pods={1} kv={2} -> ceiling {3}")
    @CsvSource({
        "128, 2, 1.0,  64",
        "128, 2, 0.8,  80",
        "128, 2, 0.5, 128",
        "128, 2, 0.49, 256",
        "128, 2, NaN, 256",
        "600, 2, 0.9, 256",
        "0,   2, 0.9, 256",
        "1,   1, 1.0,   1",
    })
    void runningCeilingTruthTable(int running, int pods, double kv, int ceiling) {
        assertEquals(ceiling, policy(0, 8).runningCeiling(new QueueSample(0, running, pods, 0, T0, kv)));
    }

    // The fleet grown for a full cache spreads the same requests thinner: its caches show no
    // ceiling any more, but the one seen holds for the memory (a minute here), so no flapping.
    @Test
    void anObservedCeilingOutlivesTheSamplesThatCannotShowIt() {
        ScalingPolicy p = policy(0, 8);
        Recommendation full = recommender.recommend(
                2, new QueueSample(172, 128, 2, 0, T0, 1.0), Backlog.NONE, p, T0, ScalingHistory.empty());
        assertEquals(4, full.replicas());
        assertEquals(64, full.history().ceiling().sequences());
        QueueSample thin = new QueueSample(44, 256, 4, 0, T0.plusSeconds(30), 0.4);
        Recommendation later = recommender.recommend(4, thin, Backlog.NONE, p, T0.plusSeconds(30), full.history());
        assertEquals(4, later.raw(), "300 / (64 + 16) while the ceiling is remembered, not 300 / (256 + 16)");
        QueueSample muchLater = new QueueSample(44, 256, 4, 0, T0.plusSeconds(400), 0.4);
        Recommendation forgotten =
                recommender.recommend(4, muchLater, Backlog.NONE, p, T0.plusSeconds(400), later.history());
        assertEquals(2, forgotten.raw(), "past the memory (the 300 s scale-down window) maxNumSeqs sizes again");
    }

    // Right after a scale-out the new replicas run nothing until clients reach them: the ceiling
    // comes from the busy ones (2 of 6 here, 64 each with a full cache), so the fleet does not
    // shrink back to what maxNumSeqs would size.
    @Test
    void idleNewReplicasDoNotHideAFullCache() {
        QueueSample afterScaleOut = new QueueSample(172, 128, 6, 0, T0, 1.0, 2);
        assertEquals(64, policy(0, 8).runningCeiling(afterScaleOut));
        ScalingPolicy p = policy(0, 8);
        Recommendation r = recommender.recommend(6, afterScaleOut, Backlog.NONE, p, T0, ScalingHistory.empty());
        assertEquals(4, r.raw(), "300 requests / (64 + 16), not 300 / (256 + 16)");
        assertEquals(256, p.runningCeiling(new QueueSample(0, 0, 6, 0, T0, Double.NaN, 0)), "nothing runs: maxNumSeqs");
    }

    // The jobs' backlog in requests sizes the fleet alongside the queue (272 requests per replica).
    @ParameterizedTest(name = "current={0} queue={1} backlog={2} shards/{3} requests max={4} -> {5} ({6})")
    @CsvSource({
        // a campaign wakes the whole fleet at once, not one replica per model load
        "0,    0, 500, 16000, 4, 4, WakeOnWork",
        "0,    0,   1,     0, 4, 1, WakeOnWork",
        "1,  300, 500, 16000, 4, 4, QueueDepthUp",
        // the larger of queue and backlog counts
        "1,  600,   3,    96, 8, 3, QueueDepthUp",
        "1,   10,  20,   640, 8, 3, QueueDepthUp",
        "3,  800,  20,   640, 8, 3, Steady",
        // no sample yet (replicas loading): the backlog still sizes the fleet
        "1,   -1, 500, 16000, 4, 4, QueueDepthUp",
    })
    void backlogSizesTheFleet(
            int current, int queue, long shards, long requests, int max, int expected, ScaleReason reason) {
        QueueSample sample = queue < 0 ? null : new QueueSample(queue / 2, queue - queue / 2, current, 0, T0);
        Recommendation r = recommender.recommend(
                current, sample, new Backlog(shards, requests), policy(0, max), T0, ScalingHistory.empty());
        assertEquals(expected, r.replicas());
        assertEquals(reason, r.reason());
    }

    @Test
    void aShrinkingBacklogLowersTheFleetOnlyAfterTheScaleDownWindow() {
        Timeline t = new Timeline(policy(0, 8), 4);
        t.stepWithBacklog(1000, new Backlog(100, 3200));
        assertEquals(8, t.current);
        t.stepWithBacklog(300, new Backlog(4, 128));
        assertEquals(8, t.current, "held through the 300 s window");
        for (int i = 0; i < 21; i++) {
            t.stepWithBacklog(300, new Backlog(4, 128));
        }
        assertEquals(2, t.current, "ceil(300 / 272) once the window passed");
    }

    @Test
    void drainingWorkLowersTheFleetAtOnceAndNeverFlapsBack() {
        Timeline t = new Timeline(policy(0, 8), 4);
        t.stepWithBacklog(1000, new Backlog(100, 3200, 60));
        assertEquals(8, t.current);
        // the last shards all run: 40 of them keep 320 requests in flight, ceil(320 / 272) = 2
        t.stepWithBacklog(300, new Backlog(40, 320, 0));
        assertEquals(2, t.current, "no window: the requests can only fall from here");
        assertEquals(ScaleReason.WorkDraining, t.last.reason());
        int previous = t.current;
        for (int left = 39; left >= 1; left--) {
            t.stepWithBacklog(left * 8, new Backlog(left, left * 8L, 0));
            assertTrue(t.current <= previous, "never back up while draining: " + t.current + " after " + previous);
            previous = t.current;
        }
        assertEquals(1, t.current);
        // a shard fails an attempt and waits to start again: the window is back for what follows
        t.stepWithBacklog(8, new Backlog(2, 16, 1));
        assertEquals(1, t.current);
    }

    @Test
    void shardsStillWaitingToStartKeepTheScaleDownWindow() {
        Timeline t = new Timeline(policy(0, 8), 4);
        t.stepWithBacklog(1000, new Backlog(100, 3200, 60));
        t.stepWithBacklog(300, new Backlog(41, 320, 1));
        assertEquals(8, t.current, "one shard not started: held through the 300 s window");
        // a sample of no load at all with running shards: not draining either (their size is in requests)
        assertTrue(!new Backlog(3, 0, 0).draining());
        assertTrue(new Backlog(3, 24, 0).draining());
    }

    @Test
    void noFlappingUnderSteadyLoadAroundABoundary() {
        // 540 and 550 requests straddle the 2/3 replica boundary (544): the count settles and stays.
        Timeline t = new Timeline(policy(0, 8), 1);
        t.step(540, 100);
        t.step(550, 100);
        int changes = 0;
        int last = t.current;
        for (int i = 0; i < 200; i++) {
            t.step(i % 2 == 0 ? 540 : 550, 100);
            if (t.current != last) {
                changes++;
                last = t.current;
            }
        }
        assertEquals(3, t.current);
        assertEquals(0, changes, "settled at 3, no oscillation");
    }

    @Test
    void stepsUpWithinTwoPeriodsOfALoadJump() {
        Timeline t = new Timeline(policy(0, 8), 1);
        for (int i = 0; i < 10; i++) {
            t.step(100, 100);
        }
        assertEquals(1, t.current);
        // The load jumps between two scrapes; the next scrape sees it.
        t.step(1200, 100);
        t.step(1200, 100);
        assertEquals(5, t.current, "ceil(1200/272) = 5 within two periods");
    }

    @Test
    void scalesDownOnlyAfterTheStabilizationWindow() {
        Timeline t = new Timeline(policy(0, 8), 5);
        t.step(1200, 100);
        assertEquals(5, t.current);
        Instant drop = t.now;
        // 300 s window, 15 s period: 19 samples at low load still see the 5 inside the window.
        while (t.now.isBefore(drop.plusSeconds(285))) {
            t.step(100, 100);
            assertEquals(5, t.current, "held at " + Duration.between(drop, t.now));
            assertTrue(
                    t.last.reason() == ScaleReason.Stabilizing, t.last.reason().name());
        }
        t.step(100, 100); // drop + 300 s: the 5 leaves the window
        assertEquals(1, t.current);
        assertEquals(ScaleReason.QueueDepthDown, t.last.reason());
    }

    @Test
    void aBriefDipDoesNotScaleDown() {
        Timeline t = new Timeline(policy(0, 8), 1);
        t.step(1200, 100);
        assertEquals(5, t.current);
        for (int i = 0; i < 60; i++) {
            t.step(i % 10 == 0 ? 0 : 1200, 100);
            assertEquals(5, t.current);
        }
    }

    @Test
    void scalesToZeroAfterTheIdleWindowAndNotBefore() {
        Timeline t = new Timeline(policy(0, 8), 1);
        t.step(100, 0); // requests from other clients, no bound job
        Instant lastWork = t.now;
        while (t.now.isBefore(lastWork.plusSeconds(585))) {
            t.step(0, 0);
            assertEquals(1, t.current, "still warm at " + Duration.between(lastWork, t.now));
        }
        t.step(0, 0); // lastWork + 600 s
        assertEquals(0, t.current);
        assertEquals(ScaleReason.IdleToMin, t.last.reason());
        // and stays there without work
        for (int i = 0; i < 20; i++) {
            t.step(0, 0);
            assertEquals(0, t.current);
        }
    }

    @Test
    void idleGoesToMinNotZeroWhenMinIsSet() {
        Timeline t = new Timeline(policy(2, 8), 4);
        t.step(0, 0);
        t.advance(Duration.ofSeconds(700));
        t.step(0, 0);
        assertEquals(2, t.current);
    }

    @Test
    void workDuringTheIdleWindowRestartsTheIdleClock() {
        Timeline t = new Timeline(policy(0, 8), 1);
        t.step(40, 0);
        t.advance(Duration.ofSeconds(500));
        t.step(40, 0); // requests seen at +500 s
        t.advance(Duration.ofSeconds(300));
        t.step(0, 0); // +800 s: 300 s idle, not 600
        assertEquals(1, t.current);
        t.advance(Duration.ofSeconds(300));
        t.step(0, 0);
        assertEquals(0, t.current);
    }

    @Test
    void theLastJobEndingScalesToZeroAfterTheScaleDownWindowNotIdleToZero() {
        Timeline t = new Timeline(policy(0, 8), 4);
        t.step(1000, 40);
        t.step(300, 2);
        Instant jobEnded = t.now;
        while (t.now.isBefore(jobEnded.plusSeconds(285))) {
            t.step(0, 0);
            assertTrue(t.current >= 1, "held within the window, not yet zero, at " + Duration.between(jobEnded, t.now));
        }
        t.step(0, 0); // the job's end + 300 s, the scale-down window (idle-to-zero is 600 s)
        assertEquals(0, t.current);
        assertEquals(ScaleReason.JobsDone, t.last.reason());
    }

    @Test
    void theIdleWaitStartsWhenTheJobEndsNotAtTheLastSampleOfItsRequests() {
        ScalingPolicy p = policy(0, 8);
        // the job is seen with work at T0; the scrape just before showed its last requests
        QueueSample lastRequests = new QueueSample(0, 200, 1, 0, T0.minusSeconds(1));
        Recommendation r = recommender.recommend(1, lastRequests, Backlog.ofShards(1), p, T0, ScalingHistory.empty());
        // its shards are done 5 s later; the sample is still fresh but older than the job's work
        r = recommender.recommend(1, lastRequests, Backlog.NONE, p, T0.plusSeconds(5), r.history());
        assertEquals(1, r.replicas());
        r = recommender.recommend(
                1, new QueueSample(0, 0, 1, 0, T0.plusSeconds(299)), Backlog.NONE, p, T0.plusSeconds(299), r.history());
        assertEquals(1, r.replicas());
        r = recommender.recommend(
                1, new QueueSample(0, 0, 1, 0, T0.plusSeconds(300)), Backlog.NONE, p, T0.plusSeconds(300), r.history());
        assertEquals(0, r.replicas(), "300 s after the job's last work, not after the sample's time");
        assertEquals(ScaleReason.JobsDone, r.reason());
    }

    @Test
    void theIdleWaitsEndIsKnownSoItsDecisionNeedNotWaitForAScrape() {
        ScalingPolicy p = policy(0, 8);
        Recommendation busy = recommender.recommend(
                2, new QueueSample(0, 100, 2, 0, T0), Backlog.ofShards(3), p, T0, ScalingHistory.empty());
        assertEquals(
                Optional.empty(),
                ReplicaRecommender.idleEndsAt(busy.replicas(), busy.history(), Backlog.ofShards(3), p, T0),
                "busy: nothing to wait for");
        Instant later = T0.plusSeconds(20);
        Recommendation idle = recommender.recommend(
                busy.replicas(), new QueueSample(0, 0, 2, 0, later), Backlog.NONE, p, later, busy.history());
        assertEquals(
                Optional.of(T0.plusSeconds(300)),
                ReplicaRecommender.idleEndsAt(idle.replicas(), idle.history(), Backlog.NONE, p, later),
                "the job's end + the scale-down window");
        assertEquals(
                Optional.of(T0.plusSeconds(600)),
                ReplicaRecommender.idleEndsAt(idle.replicas(), idle.history(), Backlog.held(1), p, later),
                "a held job: idle-to-zero");
        assertEquals(
                Optional.empty(), ReplicaRecommender.idleEndsAt(0, idle.history(), Backlog.NONE, p, later), "at min");
    }

    @Test
    void aSuspendedJobKeepsTheModelForIdleToZero() {
        Timeline t = new Timeline(policy(0, 8), 2);
        t.step(500, 20);
        Instant suspended = t.now;
        while (t.now.isBefore(suspended.plusSeconds(585))) {
            t.stepWithBacklog(0, Backlog.held(1));
            assertTrue(t.current >= 1, "still warm at " + Duration.between(suspended, t.now));
        }
        t.stepWithBacklog(0, Backlog.held(1));
        assertEquals(0, t.current);
        assertEquals(ScaleReason.IdleToMin, t.last.reason());
    }

    @Test
    void otherClientsAfterTheJobKeepTheModelForIdleToZero() {
        Timeline t = new Timeline(policy(0, 8), 1);
        t.step(100, 3);
        t.step(50, 0); // a request from another client after the job's last shard
        Instant lastRequest = t.now;
        while (t.now.isBefore(lastRequest.plusSeconds(585))) {
            t.step(0, 0);
            assertEquals(1, t.current, "still warm at " + Duration.between(lastRequest, t.now));
        }
        t.step(0, 0);
        assertEquals(0, t.current);
        assertEquals(ScaleReason.IdleToMin, t.last.reason());
    }

    @Test
    void wakesFromZeroAsSoonAsWorkAppears() {
        Timeline t = new Timeline(policy(0, 8), 0);
        for (int i = 0; i < 5; i++) {
            t.stepWithoutSample(0);
            assertEquals(0, t.current);
        }
        t.stepWithoutSample(42);
        assertEquals(1, t.current);
        assertEquals(ScaleReason.WakeOnWork, t.last.reason());
    }

    @Test
    void holdsWhenTheSampleIsStaleButWorkRemains() {
        Timeline t = new Timeline(policy(0, 8), 4);
        t.step(1000, 10);
        assertEquals(4, t.current);
        for (int i = 0; i < 40; i++) { // 10 minutes without a scrape
            t.stepWithoutSample(10);
            assertEquals(4, t.current);
        }
        assertEquals(ScaleReason.NoFreshSample, t.last.reason());
    }

    @Test
    void scaleUpWindowIgnoresASingleSpike() {
        ScalingPolicy p = new ScalingPolicy(
                0,
                8,
                256,
                16,
                Duration.ofSeconds(60),
                Duration.ofSeconds(300),
                Duration.ofSeconds(600),
                Duration.ofSeconds(15));
        Timeline t = new Timeline(p, 1);
        t.step(100, 10);
        t.step(2000, 10); // one spike
        t.step(100, 10);
        assertEquals(1, t.current);
        for (int i = 0; i < 3; i++) { // sustained for 45 s
            t.step(2000, 10);
        }
        assertEquals(1, t.current, "the 100 sample is still inside the 60 s window");
        t.step(2000, 10); // 60 s after the last low sample
        assertEquals(8, t.current);
    }

    @Test
    void historyStaysSmallUnderSteadyLoad() {
        Timeline t = new Timeline(policy(0, 8), 3);
        for (int i = 0; i < 10_000; i++) {
            t.step(700, 10);
        }
        assertTrue(
                t.history.entries().size() <= 2,
                "entries: " + t.history.entries().size());
    }

    /** Drives the recommender one period at a time, the way the scraper and the reconciler do. */
    private final class Timeline {
        final ScalingPolicy policy;
        Instant now = T0;
        int current;
        ScalingHistory history = ScalingHistory.empty();
        QueueSample lastSample;
        Recommendation last;

        Timeline(ScalingPolicy policy, int current) {
            this.policy = policy;
            this.current = current;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        void step(int load, long remainingWork) {
            stepWithBacklog(load, Backlog.ofShards(remainingWork));
        }

        void stepWithBacklog(int load, Backlog backlog) {
            advance(policy.period());
            lastSample = new QueueSample(load / 2, load - load / 2, current, 0, now);
            decide(backlog);
        }

        void stepWithoutSample(long remainingWork) {
            advance(policy.period());
            decide(Backlog.ofShards(remainingWork));
        }

        private void decide(Backlog backlog) {
            last = recommender.recommend(current, lastSample, backlog, policy, now, history);
            history = last.history();
            current = last.replicas();
        }
    }
}
