package io.palimpsest.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The duties of the leading replica start and stop with the Lease, once per change. */
class LeadershipTest {

    static final class Recorded implements LeaderDuty {
        final List<String> calls = new ArrayList<>();

        @Override
        public void startLeading() {
            calls.add("start");
        }

        @Override
        public void stopLeading() {
            calls.add("stop");
        }
    }

    @Test
    void withLeaderElectionNothingStartsBeforeTheLeaseIsTaken() {
        Recorded duty = new Recorded();
        Leadership leadership = new Leadership(List.of(duty), () -> true);
        leadership.onStart(null);
        assertEquals(List.of(), duty.calls, "a standby scrapes nothing");
        assertFalse(leadership.leading());

        leadership.startedLeading();
        leadership.startedLeading();
        assertEquals(List.of("start"), duty.calls);
        assertTrue(leadership.leading());

        leadership.stoppedLeading();
        leadership.stoppedLeading();
        leadership.startedLeading();
        assertEquals(List.of("start", "stop", "start"), duty.calls);
    }

    @Test
    void withoutLeaderElectionTheOnlyReplicaLeadsFromStart() {
        Recorded duty = new Recorded();
        Leadership leadership = new Leadership(List.of(duty), () -> false);
        leadership.onStart(null);
        assertEquals(List.of("start"), duty.calls);
        assertTrue(leadership.leading());
    }
}
