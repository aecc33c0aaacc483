package io.palimpsest.operator.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.palimpsest.api.v1alpha1.RewriterModelStatus;
import io.palimpsest.operator.model.autoscale.EndpointHealth;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelReadyColumnTest {

    @ParameterizedTest(name = "ready {0}, desired {1}: {2}")
    @CsvSource(
            nullValues = "-",
            value = {
                "1, 4, 1/4", // scaling up
                "0, 1, 0/1", // loading
                "2, 2, 2/2", // ready
                "0, 0, 0/0", // scaled to zero
                "3, 1, 3/1", // scaling down: the extra replicas still answer
                "-, -, 0/0", // a spec refused before anything was made: no replica asked for, none ready
                "0, -, 0/0", // refused before any replica was asked for, none observed
            })
    void readyOfDesiredAsADeploymentsReady(Integer ready, Integer desired, String shown) {
        RewriterModelStatus status = new RewriterModelStatus();
        status.setReadyReplicas(ready);
        status.setDesiredReplicas(desired);

        assertEquals(shown, ModelReadyColumn.deployed(status));
    }

    /** An external endpoint has no replicas of ours: the column says what the operator's health check found. */
    @Test
    void anExternalEndpointShowsWhatItsLastHealthCheckFound() {
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        assertEquals("unchecked", ModelReadyColumn.external(null));
        assertEquals("reachable", ModelReadyColumn.external(new EndpointHealth(true, "answers /v1/models", at)));
        assertEquals("unreachable", ModelReadyColumn.external(new EndpointHealth(false, "connection refused", at)));
    }
}
