package io.palimpsest.operator.model.autoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IdleRuleTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static ScalingPolicy policy(int scaleDownSeconds, int idleToZeroSeconds) {
        return new ScalingPolicy(
                0,
                8,
                256,
                16,
                Duration.ZERO,
                Duration.ofSeconds(scaleDownSeconds),
                Duration.ofSeconds(idleToZeroSeconds),
                Duration.ofSeconds(15));
    }

    private static Instant at(String secondsAfterT0) {
        return secondsAfterT0 == null || secondsAfterT0.isBlank()
                ? null
                : T0.plusSeconds(Long.parseLong(secondsAfterT0.trim()));
    }

    // How long a model without work keeps its replicas, counted from its last work (T0 + lastBusy).
    @ParameterizedTest(name = "lastBusy={0} lastJobWork={1} held={2} queued={3} down={4} idle={5} -> wait {6} s ({7})")
    @CsvSource({
        // the last work was a bound job's, none held: the scale-down window
        "100, 100, 0, 0, 300, 600, 300, JobsDone",
        // ... or idle-to-zero when that is shorter
        "100, 100, 0, 0, 900, 600, 600, JobsDone",
        "100, 100, 0, 0, 300,   0,   0, JobsDone",
        // a job seen with work before the last decision that saw the queue busy: still a job's end
        " 90, 100, 0, 0, 300, 600, 300, JobsDone",
        // a suspended job is still bound: it may come back, idle-to-zero
        "100, 100, 1, 0, 300, 600, 600, IdleToMin",
        // jobs whose worker Jobs wait for Kueue: none can run, Kueue's admission wakes the model: the window
        "100, 100, 0, 1, 300, 600, 300, JobsQueued",
        "100, 100, 0, 2, 900, 600, 600, JobsQueued",
        // ... a suspended one besides: it may be resumed, idle-to-zero
        "100, 100, 1, 1, 300, 600, 600, IdleToMin",
        // other clients' requests came after the job: idle-to-zero
        "120, 100, 0, 0, 300, 600, 600, IdleToMin",
        "120, 100, 0, 1, 300, 600, 600, IdleToMin",
        // no bound job ever had work: idle-to-zero
        "100,    , 0, 0, 300, 600, 600, IdleToMin",
        "   ,    , 0, 0, 300, 600, 600, IdleToMin",
    })
    void idleWaitTruthTable(
            String lastBusy,
            String lastJobWork,
            long held,
            long queued,
            int down,
            int idle,
            long waitSeconds,
            ScaleReason reason) {
        ScalingHistory h = new ScalingHistory(List.of(), at(lastBusy), null, at(lastJobWork));
        Backlog backlog = Backlog.held(held).plus(Backlog.queued(queued));
        assertEquals(Duration.ofSeconds(waitSeconds), IdleRule.wait(h, backlog, policy(down, idle)));
        assertEquals(reason, IdleRule.reason(h, backlog));
        if (h.lastBusyAt() != null) {
            Instant end = h.lastBusyAt().plusSeconds(waitSeconds);
            if (waitSeconds > 0) {
                assertEquals(
                        false, IdleRule.over(h, backlog, policy(down, idle), end.minusSeconds(1)), "still waiting");
            }
            assertEquals(true, IdleRule.over(h, backlog, policy(down, idle), end), "over when the wait ends");
        } else {
            assertEquals(true, IdleRule.over(h, backlog, policy(down, idle), T0), "no work ever seen: over at once");
        }
    }

    // Which queue samples count as work: not the ones taken while a bound job still had work.
    @ParameterizedTest(name = "load={0} sampledAt={1} lastJobWork={2} -> busy {3}")
    @CsvSource({
        "  0, 200,    , false",
        " 10, 200,    , true",
        // taken before (or at) the last decision that saw the job with work: the job's own last requests
        " 10,  99, 100, false",
        " 10, 100, 100, false",
        // taken after: someone else's requests
        " 10, 101, 100, true",
        "  0, 101, 100, false",
    })
    void queueSampleTruthTable(int load, long sampledAt, String lastJobWork, boolean busy) {
        QueueSample sample = new QueueSample(load / 2, load - load / 2, 1, 0, T0.plusSeconds(sampledAt));
        ScalingHistory h = new ScalingHistory(List.of(), null, null, at(lastJobWork));
        assertEquals(busy, IdleRule.queueBusy(sample, h));
    }
}
