package io.palimpsest.operator.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.palimpsest.api.v1alpha1.RewriterModelStatus;
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
                "1, -, 1/0", // the API server refused the Deployment before any replica was asked for
                "-, -, -", // an external endpoint: no replicas of ours
            })
    void readyOfDesiredAsADeploymentsReady(Integer ready, Integer desired, String shown) {
        RewriterModelStatus status = new RewriterModelStatus();
        status.setReadyReplicas(ready);
        status.setDesiredReplicas(desired);

        assertEquals(shown, ModelReadyColumn.of(status));
    }
}
