package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.operator.status.ConditionAggregator;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Two chained stages applied at once, as GitOps applies them, on the simulated cluster with the real
 * worker: stage 2 reads stage 1's output. It waits Pending ({@code InputInProgress}) while stage 1 runs,
 * plans once stage 1 has Succeeded, and reads all of stage 1's documents, not the part committed when it
 * was applied; applied before stage 1, it fails planning (nothing there yet), waits again once stage 1 is
 * created, and reads all of it; and, when stage 1 Succeeded with a shard failed for good (within its
 * maxFailedShards), the documents of the shards it committed.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class ChainedStagesScenarioTest {

    @Inject
    KubernetesClient operatorClient;

    @Test
    void theSecondStagePlansTheWholeOfTheFirstOnceItHasSucceeded() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs worker-image/target/palimpsest.jar");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient), PalimpsestWorkerProgram.Mode.SUBPROCESS, () -> SimConfig.builder()
                        .zeroLatency())) {
            Path input = s.claim("corpus").resolve("chain-in");
            SyntheticCorpus.write(input, 3, 4, 5);
            s.createModel("chain-model", 1, 5);
            // stage 2 on a model of its own
            s.createModel("chain-model-2", 1, 5);

            RewriteJob second =
                    s.smallJob("chain-2", "chain-model-2", "pvc://corpus/chain-1/", "pvc://corpus/chain-2/");
            RewriteJob first = s.smallJob("chain-1", "chain-model", "pvc://corpus/chain-in/", "pvc://corpus/chain-1/");
            // Applied at once, the upstream first: a stage created before its upstream exists can be planned
            // before that one is created (docs/RECIPES.md says to order them, as sync waves do)
            s.client.resource(first).create();
            s.client.resource(second).create();

            RewriteJob waiting = s.awaitPhase("chain-2", JobPhase.Pending, Duration.ofSeconds(60));
            var ready = ConditionAggregator.find(waiting.getStatus().getConditions(), Conditions.READY);
            assertEquals(JobReason.InputInProgress.name(), ready.getReason(), ready.toString());
            assertTrue(
                    ready.getMessage().contains("the output of RewriteJob " + Scenario.NS + "/chain-1"),
                    ready.getMessage());

            RewriteJob done = s.awaitPhase("chain-1", JobPhase.Succeeded, Duration.ofSeconds(180));
            RewriteJob after = s.awaitPhase("chain-2", JobPhase.Succeeded, Duration.ofSeconds(180));
            long written = done.getStatus().getDocuments().getWritten();
            assertTrue(written > 0, "stage 1 wrote documents");
            assertEquals(
                    written, after.getStatus().getDocuments().getRead(), "stage 2 read every document stage 1 wrote");
            System.out.printf(
                    "[figures] chained stages: stage 2 read %d of stage 1's %d documents%n",
                    after.getStatus().getDocuments().getRead(), written);
        }
    }

    @Test
    void aSecondStageAppliedBeforeTheFirstFailsPlanningThenWaitsForItAndReadsAllOfIt() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs worker-image/target/palimpsest.jar");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient), PalimpsestWorkerProgram.Mode.SUBPROCESS, () -> SimConfig.builder()
                        .zeroLatency())) {
            Path input = s.claim("corpus").resolve("late-in");
            SyntheticCorpus.write(input, 3, 4, 5);
            s.createModel("late-model", 1, 5);

            // kubectl apply -f of a folder, alphabetically: stage 2 first; its planner finds nothing there yet.
            s.client
                    .resource(s.smallJob("late-2", "late-model", "pvc://corpus/late-1/", "pvc://corpus/late-2/"))
                    .create();
            RewriteJob failed = s.awaitPhase("late-2", JobPhase.Failed, Duration.ofSeconds(120));
            var why = ConditionAggregator.find(failed.getStatus().getConditions(), Conditions.FAILED);
            assertEquals(JobReason.PlanningFailed.name(), why.getReason(), why.toString());
            assertTrue(why.getMessage().contains("InputNotReady: "), why.getMessage());

            s.client
                    .resource(s.smallJob("late-1", "late-model", "pvc://corpus/late-in/", "pvc://corpus/late-1/"))
                    .create();
            RewriteJob waiting = s.awaitPhase("late-2", JobPhase.Pending, Duration.ofSeconds(60));
            var ready = ConditionAggregator.find(waiting.getStatus().getConditions(), Conditions.READY);
            assertEquals(JobReason.InputInProgress.name(), ready.getReason(), ready.toString());

            RewriteJob done = s.awaitPhase("late-1", JobPhase.Succeeded, Duration.ofSeconds(180));
            RewriteJob after = s.awaitPhase("late-2", JobPhase.Succeeded, Duration.ofSeconds(180));
            long written = done.getStatus().getDocuments().getWritten();
            assertTrue(written > 0, "stage 1 wrote documents");
            assertEquals(
                    written, after.getStatus().getDocuments().getRead(), "stage 2 read every document stage 1 wrote");
        }
    }

    @Test
    void theSecondStageReadsWhatAFirstThatSucceededWithAFailedShardCommitted() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs worker-image/target/palimpsest.jar");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient), PalimpsestWorkerProgram.Mode.SUBPROCESS, () -> SimConfig.builder()
                        .zeroLatency())) {
            Path input = s.claim("corpus").resolve("partial-in");
            SyntheticCorpus.write(input, 3, 4, 5);
            // One file that changes once the plan is stored: its shard fails for good, within maxFailedShards.
            AutoCloseable poison = SyntheticCorpus.writePoison(
                    input, "shard-0001b.jsonl.gz", s.claim("corpus").resolve("partial-1"));
            s.createModel("partial-model", 1, 5);

            RewriteJob second =
                    s.smallJob("partial-2", "partial-model", "pvc://corpus/partial-1/", "pvc://corpus/partial-2/");
            RewriteJob first =
                    s.smallJob("partial-1", "partial-model", "pvc://corpus/partial-in/", "pvc://corpus/partial-1/");
            first.getSpec().getInput().setInclude(List.of("*.jsonl", "*.jsonl.gz"));
            first.getSpec().getRetry().setAttemptsPerShard(1);
            first.getSpec().getRetry().setMaxFailedShards(1);
            // the upstream first: this test is about how its end is read, not about the order they are applied in
            s.client.resource(first).create();
            s.client.resource(second).create();

            RewriteJob done = s.awaitPhase("partial-1", JobPhase.Succeeded, Duration.ofSeconds(180));
            assertEquals(
                    1,
                    done.getStatus().getShards().getFailed(),
                    done.getStatus().toString());
            // its planner is told that output has ended, and reads it as it is rather than failing PlanningFailed
            RewriteJob after = await().atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(300))
                    .until(
                            () -> s.job("partial-2"),
                            j -> j != null
                                    && j.getStatus() != null
                                    && j.getStatus().getPhase() != null
                                    && j.getStatus().getPhase().isTerminal());
            assertEquals(
                    JobPhase.Succeeded,
                    after.getStatus().getPhase(),
                    after.getStatus().toString());
            long written = done.getStatus().getDocuments().getWritten();
            assertTrue(written > 0, "stage 1 wrote documents");
            assertEquals(
                    written,
                    after.getStatus().getDocuments().getRead(),
                    "stage 2 read every document stage 1 committed");
            System.out.printf(
                    "[figures] chained stages, partial upstream: stage 2 read %d of stage 1's %d documents (%s"
                            + " shards)%n",
                    after.getStatus().getDocuments().getRead(),
                    written,
                    done.getStatus().getProgress());
            poison.close();
        }
    }
}
