package io.palimpsest.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A worker killed after it created its shard's receipt and before its summary reached the operator (out of memory
 * while it cleans up: exit 137, no termination message) on the shard's only attempt, under an operator that leaves no
 * outage retries ({@code palimpsest.jobs.model-unreachable-retries} 0): the index's {@code backoffLimitPerIndex} is 0,
 * so the Job controller fails the index at once and no pod finds the receipt. The operator runs the tally before it
 * decides, the tally names the shards with a receipt, and the job ends with every shard committed and counted once,
 * where it ended ShardsFailed with shard 0's documents missing.
 */
@Tag("slow")
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(KilledAfterCommitSpentIndexScenarioTest.NoOutageRetries.class)
class KilledAfterCommitSpentIndexScenarioTest {

    /** The simulated cluster's operator with no outage retries in a worker Job's backoffLimitPerIndex. */
    public static class NoOutageRetries extends SimulatedClusterProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("palimpsest.jobs.model-unreachable-retries", "0");
            return overrides;
        }
    }

    @Inject
    KubernetesClient operatorClient;

    @Test
    void aShardWhoseIndexTheJobFailedAfterItsCommitIsCommitted() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient),
                PalimpsestWorkerProgram.Mode.SUBPROCESS,
                () -> SimConfig.builder().startupDelay(Duration.ofSeconds(1)).decodeStepBaseSeconds(0.001))) {
            // the tally Job starts 30 s after the worker Job's end (palimpsest.jobs.tally-grace) and is one more JVM
            RewriteJobStatus st =
                    KilledAfterCommitScenarioTest.shard0KilledAfterItsCommit(s, "kas", Duration.ofSeconds(600));
            assertEquals(
                    "0",
                    s.client
                            .batch()
                            .v1()
                            .jobs()
                            .inNamespace(Scenario.NS)
                            .withName("kas-work")
                            .get()
                            .getStatus()
                            .getFailedIndexes(),
                    "the Job controller failed shard 0's index");
            KilledAfterCommitScenarioTest.everyShardCommittedOnce(st);
        }
    }
}
