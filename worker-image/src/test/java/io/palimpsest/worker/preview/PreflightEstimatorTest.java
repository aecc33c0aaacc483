package io.palimpsest.worker.preview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class PreflightEstimatorTest {

    private static PreflightEstimator.DocumentCost doc(long requests, long prompt, long completion) {
        return new PreflightEstimator.DocumentCost(requests, prompt, completion, Map.of("variant:a", new long[] {requests, prompt, completion}));
    }

    @Test
    void identicalDocumentsGiveAnExactFigureAndGpuHoursFollowCapacity() {
        List<PreflightEstimator.DocumentCost> sample = List.of(doc(2, 100, 50), doc(2, 100, 50), doc(2, 100, 50));
        var e = PreflightEstimator.estimate(sample, 1_000_000, false,
                new PreflightEstimator.Capacity(PreflightEstimator.Capacity.DECLARED, 1000, "declared"), 2, 4, 3.0, 1);
        assertEquals(2_000_000, e.requests().estimate(), 1e-6);
        assertEquals(e.requests().estimate(), e.requests().low(), 1e-6);
        assertEquals(e.requests().estimate(), e.requests().high(), 1e-6);
        assertEquals(50_000_000, e.completionTokens().estimate(), 1e-6);
        double replicaHours = 50_000_000 / 1000.0 / 3600;
        assertEquals(replicaHours, e.replicaHours().estimate(), 1e-9);
        assertEquals(2 * replicaHours, e.gpuHours().estimate(), 1e-9);
        assertEquals(replicaHours / 4, e.wallHours().estimate(), 1e-9);
        assertEquals(3 * 2 * replicaHours, e.cost().estimate(), 1e-9);
        assertEquals(50_000_000, e.byPurpose().get("variant:a").completionTokens().estimate(), 1e-6);
    }

    @Test
    void theIntervalComesFromTheSpreadAndHoldsThePoint() {
        List<PreflightEstimator.DocumentCost> sample = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            sample.add(doc(1, 10 * i, i % 5 == 0 ? 400 : 100));
        }
        var e = PreflightEstimator.estimate(sample, 10_000, true, null, 1, null, null, 7);
        var c = e.completionTokens();
        assertEquals(10_000 * 160.0, c.estimate(), 1e-6);
        assertTrue(c.low() < c.estimate() && c.estimate() < c.high(), c.toString());
        assertTrue(c.high() - c.low() > 0.1 * c.estimate(), "a skewed sample gives a wide interval: " + c);
        assertNull(e.gpuHours(), "no capacity: no GPU figure");
        assertTrue(e.notes().get(0).contains("estimated"));
        var again = PreflightEstimator.estimate(sample, 10_000, true, null, 1, null, null, 7);
        assertEquals(c, again.completionTokens(), "seeded: the same figures");
    }
}
