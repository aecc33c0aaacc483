package io.palimpsest.worker.recipe.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.sim.Fault;
import org.junit.jupiter.api.Test;

/** Each validator catches what the simulator injects and lets its faithful rewrites through. */
class SimulatorFaultDetectionTest {
    @Test
    void everyInjectedFaultIsCaughtAndFaithfulRewritesPass() throws Exception {
        check(SimulatorFaultDetection.run(1, true));
    }

    @Test
    void offlineValidationWithoutCallFactsCatchesThemToo() throws Exception {
        check(SimulatorFaultDetection.run(1, false));
    }

    private static void check(SimulatorFaultDetection.Result r) {
        assertTrue(r.faithful().total >= 50, "enough samples: " + r.faithful().total);
        assertTrue(r.faithful().rate(r.faithful().rejected) <= 0.02, "false rejects: " + r.faithful().reasons);
        r.faults().forEach((fault, t) -> {
            assertEquals(t.total, t.rejected, fault + " not always caught: " + t.reasons);
            assertTrue(t.rate(t.rightReason) >= 0.95, fault + " caught for the wrong reason: " + t.reasons);
        });
        SimulatorFaultDetection.Tally preamble = r.faults().get(Fault.PREAMBLE);
        assertEquals(preamble.total, preamble.recovered, "stripPreamble gives back the faithful rewrite");
    }
}
