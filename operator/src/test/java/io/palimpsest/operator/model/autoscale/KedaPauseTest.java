package io.palimpsest.operator.model.autoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class KedaPauseTest {

    private static final Backlog PLANNING = Backlog.ofShards(1);
    private static final Backlog WAITING = new Backlog(8, 256, 8);
    private static final Backlog ONE_RUNNING = new Backlog(8, 256, 7);

    @Test
    void weightsNotServableHoldTheModelAtZeroWhateverTheWork() {
        assertEquals(0, KedaPause.decide(false, Backlog.NONE, 0, null, 0));
        assertEquals(0, KedaPause.decide(false, WAITING, 0, null, 2));
        assertEquals(0, KedaPause.decide(false, WAITING, 3, null, 0), "KEDA set it up meanwhile: back to 0");
    }

    @Test
    void workAtZeroWakesTheModelUntilAShardRuns() {
        assertEquals(1, KedaPause.decide(true, WAITING, 0, null, 0));
        assertEquals(1, KedaPause.decide(true, PLANNING, 0, null, 0), "a job still planning is work");
        assertEquals(1, KedaPause.decide(true, WAITING, 0, 0, 0), "the download just ended");
        assertEquals(2, KedaPause.decide(true, WAITING, 0, null, 2), "at least replicas.min");
        assertEquals(1, KedaPause.decide(true, WAITING, 1, 1, 0), "woken, still loading: held");
        assertNull(KedaPause.decide(true, ONE_RUNNING, 1, 1, 0), "a worker runs: KEDA's trigger counts it");
        assertNull(KedaPause.decide(true, Backlog.NONE, 1, 1, 0), "the work went: KEDA decides");
        assertNull(KedaPause.decide(true, Backlog.held(1), 0, null, 0), "a suspended job is no work");
    }

    @Test
    void kedaOwnsTheCountOtherwise() {
        assertNull(KedaPause.decide(true, Backlog.NONE, 0, null, 0));
        assertNull(KedaPause.decide(true, ONE_RUNNING, 0, null, 0), "worker pods exist: KEDA wakes the model itself");
        assertNull(
                KedaPause.decide(true, WAITING, 3, null, 0),
                "KEDA runs replicas: no shard running now is its business");
    }
}
