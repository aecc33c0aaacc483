package io.palimpsest.sim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.metrics.SimMetrics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    private final ManualClock clock = new ManualClock();
    private final List<String> events = new ArrayList<>();

    private final SimConfig config = SimConfig.builder()
            .maxNumSeqs(4)
            .maxWaiting(6)
            .decodeStepBaseSeconds(0.010)
            .decodeStepPerSeqSeconds(0.001)
            .prefillSecondsPerToken(0.0001)
            .build();
    private final SimMetrics metrics = new SimMetrics("m");
    private final Scheduler scheduler = new Scheduler(config, clock, metrics);

    private Sequence seq(int id, int promptTokens, int outputTokens) {
        List<String> pieces = new ArrayList<>(Collections.nCopies(outputTokens, " x"));
        return new Sequence(id, promptTokens, pieces, FinishReason.STOP, new SequenceListener() {
            @Override
            public void onFirstToken(Sequence s) {
                events.add(clock.nanoTime() + " first " + s.id());
            }

            @Override
            public void onToken(Sequence s, String piece) {}

            @Override
            public void onFinish(Sequence s) {
                events.add(clock.nanoTime() + " finish " + s.id());
            }
        });
    }

    @Test
    void aLoneSequencePaysPrefillOnceThenOneStepPerToken() {
        scheduler.submit(seq(1, 100, 3));
        clock.runAll(100);
        // step 1: 10 ms + 1 ms * 1 seq + 0.1 ms * 100 prompt tokens = 21 ms; then two steps of 11 ms
        assertEquals(List.of("21000000 first 1", "43000000 finish 1"), events);
        assertEquals(0, scheduler.runningCount());
    }

    @Test
    void runsAtMostMaxNumSeqsAndQueuesTheRestInOrder() {
        for (int i = 0; i < 10; i++) {
            assertTrue(scheduler.submit(seq(i, 0, 5)));
        }
        assertEquals(1, scheduler.runningCount(), "the first arrival starts a step alone");
        clock.advanceSeconds(0.0112);
        assertEquals(4, scheduler.runningCount());
        assertEquals(6, scheduler.waitingCount());
        clock.runAll(1000);
        List<Integer> firstTokenOrder = events.stream()
                .filter(e -> e.contains("first"))
                .map(e -> Integer.parseInt(e.substring(e.lastIndexOf(' ') + 1)))
                .toList();
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), firstTokenOrder);
    }

    @Test
    void aFullQueueRejects() {
        for (int i = 0; i < 4 + 6; i++) {
            assertTrue(scheduler.submit(seq(i, 0, 5)), "slot or queue place for #" + i);
        }
        assertFalse(scheduler.submit(seq(99, 0, 5)));
    }

    @Test
    void stepTimeGrowsWithTheBatchAndThroughputMatchesTheCapacityFormula() {
        SimConfig big = SimConfig.builder()
                .maxNumSeqs(32)
                .maxWaiting(10_000)
                .decodeStepBaseSeconds(0.02)
                .decodeStepPerSeqSeconds(0.0005)
                .prefillSecondsPerToken(0)
                .build();
        SimMetrics m = new SimMetrics("m");
        Scheduler s = new Scheduler(big, clock, m);
        for (int i = 0; i < 2000; i++) {
            s.submit(seq(i, 10, 50));
        }
        clock.advanceSeconds(1.0);
        long startTokens = m.generationTokens();
        clock.advanceSeconds(10.0);
        double achieved = (m.generationTokens() - startTokens) / 10.0;
        double capacity = CapacityModel.capacityTokensPerSecond(big);
        assertEquals(32 / (0.02 + 0.0005 * 32), capacity, 1e-9);
        assertEquals(1.0, achieved / capacity, 0.01);
    }

    @Test
    void abortFreesTheSlotAndCountsAsAbort() {
        Sequence a = seq(1, 0, 100);
        Sequence b = seq(2, 0, 100);
        scheduler.submit(a);
        scheduler.submit(b);
        clock.advanceSeconds(0.05);
        assertEquals(2, scheduler.runningCount());
        scheduler.abort(a);
        assertEquals(1, scheduler.runningCount());
        assertEquals(FinishReason.ABORT, a.finishReason());
        clock.runAll(1000);
        assertTrue(events.stream().noneMatch(e -> e.endsWith("finish 1")));
        assertTrue(metrics.render(new SimMetrics.Gauges(0, 0, 0))
                .contains("vllm:request_success_total{model_name=\"m\",engine=\"0\",finished_reason=\"abort\"} 1.0"));
    }

    @Test
    void anEmptyOutputStillTakesOneStep() {
        scheduler.submit(seq(1, 0, 0));
        clock.runAll(10);
        // even an empty prompt prefills one token (the start of the sequence): 10 + 1 + 0.1 ms
        assertEquals(List.of("11100000 first 1", "11100000 finish 1"), events);
    }

    @Test
    void kvCacheUsageFollowsRunningTokens() {
        scheduler.submit(seq(1, 1000, 10));
        clock.advanceSeconds(0.2);
        assertTrue(scheduler.kvCacheUsage() > 0);
        clock.runAll(100);
        assertEquals(0.0, scheduler.kvCacheUsage());
    }
}
