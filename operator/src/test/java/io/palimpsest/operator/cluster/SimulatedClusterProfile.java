package io.palimpsest.operator.cluster;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * The operator as deployed, against the simulated cluster: the test-wide stand-in that hands the
 * autoscaler fixed simulator addresses is switched off, so the real informer-based resolver finds
 * the model-sim pods by their pod IPs, as it would find vLLM pods.
 */
public class SimulatedClusterProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.arc.exclude-types", "io.palimpsest.operator.model.StaticPodAddresses");
    }
}
