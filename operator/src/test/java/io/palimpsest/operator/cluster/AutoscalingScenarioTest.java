package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The autoscaler against real queues: a model at zero wakes for a job, grows while the job's
 * requests queue up, and returns to zero once the job is done; two jobs sharing one model get
 * worker pods, and so progress, in proportion to their weights. Times scaled down: autoscaler
 * period 2 s (default 15 s), idle-to-zero 6 s (default 600 s), scale-down window 4 s (300 s).
 */
// Over two minutes on the shared machine: kept out of the default run (docs/BENCHMARKS.md).
@Tag("slow")
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class AutoscalingScenarioTest {

    @Inject
    KubernetesClient operatorClient;

    @Test
    void modelGoesFromZeroToSeveralAndBackToZeroWithTheJob() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient),
                PalimpsestWorkerProgram.Mode.SUBPROCESS,
                () -> SimConfig.builder().startupDelay(Duration.ofSeconds(1)).decodeStepBaseSeconds(0.02))) {
            Path input = s.claim("corpus").resolve("trace-in");
            SyntheticCorpus.write(input, 12, 10, 21);
            RewriterModel traced = model(s, "trace-model", 0, 3, 2);
            // A replica counts as busy beyond its 2-sequence batch as soon as one request waits.
            traced.getSpec().getAutoscaling().setTargetWaitingPerReplica(0);
            s.client.resource(traced).create();
            RewriteJob job = s.smallJob("trace", "trace-model", "pvc://corpus/trace-in/", "pvc://corpus/trace-out/");
            // A fixed fleet of workers that keeps more requests in flight than one replica's batch holds.
            job.getSpec().getWorkers().setParallelism(new IntOrString(4));
            job.getSpec().getWorkers().setConcurrencyPerWorker(new IntOrString(8));
            Instant applied = Instant.now();
            s.client.resource(job).create();

            ReplicaTrace trace = ReplicaTrace.follow(
                    s, "trace-model", "trace", applied, Duration.ofSeconds(240), Duration.ofMillis(250), poll -> {});
            Instant finished = trace.finished;
            System.out.println("autoscaling trace (ready/wanted): " + trace);
            assertTrue(finished != null, "job finished: " + trace);
            assertTrue(trace.entries.get(0).endsWith(" 0/0"), "starts at zero: " + trace);
            assertTrue(trace.peak >= 2, "scaled out beyond one replica: " + trace);
            assertEquals(0, trace.lastWanted, "back to zero: " + trace);
            System.out.printf(
                    "[figures] autoscaling trace: 0 -> %d -> 0 replicas; job done %.1f s after apply, zero again %.1f s later "
                            + "(idle-to-zero 6 s, period 2 s); trace %s%n",
                    trace.peak, Scenario.seconds(applied, finished), Scenario.seconds(finished, Instant.now()), trace);
        }
    }

    @Test
    void twoJobsShareOneModelByWeight() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient),
                PalimpsestWorkerProgram.Mode.SUBPROCESS,
                () -> SimConfig.builder().startupDelay(Duration.ofSeconds(1)).decodeStepBaseSeconds(0.02))) {
            s.client.resource(model(s, "shared-model", 1, 1, 8)).create();
            List<RewriteJob> jobs = new ArrayList<>();
            for (String[] spec : new String[][] {{"light", "1"}, {"heavy", "3"}}) {
                Path input = s.claim("corpus").resolve(spec[0] + "-in");
                SyntheticCorpus.write(input, 12, 6, spec[0].hashCode());
                RewriteJob job = s.smallJob(
                        spec[0],
                        "shared-model",
                        "pvc://corpus/" + spec[0] + "-in/",
                        "pvc://corpus/" + spec[0] + "-out/");
                job.getSpec().getWorkers().setWeight(Integer.parseInt(spec[1]));
                job.getSpec().getWorkers().setConcurrencyPerWorker(new IntOrString(2));
                jobs.add(job);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                RewriterModel m = s.model("shared-model");
                return m != null
                        && m.getStatus() != null
                        && m.getStatus().getReadyReplicas() != null
                        && m.getStatus().getReadyReplicas() >= 1;
            });
            jobs.forEach(j -> s.client.resource(j).create());

            // While both run with shards to spare, the operator splits the model's worker budget by weight:
            // 8 sequences x 1.5 = 12 requests, 2 per worker: ceil(9 / 2) = 5 and ceil(3 / 2) = 2 pods. A job
            // that started while the other was not yet Running had the model alone for a moment; the split
            // is read once both shares are in force.
            int[] pods = await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200))
                    .until(
                            () -> new int[] {parallelism(s, "light"), parallelism(s, "heavy")},
                            p -> p[0] > 0 && p[1] > 0 && p[0] + p[1] <= 7);
            RewriteJob heavyDone = s.awaitPhase("heavy", JobPhase.Succeeded, Duration.ofSeconds(240));
            long lightAtThatTime = s.job("light").getStatus().getShards().getSucceeded();
            long heavyShards = heavyDone.getStatus().getShards().getSucceeded();
            s.awaitPhase("light", JobPhase.Succeeded, Duration.ofSeconds(240));

            double podRatio = pods[1] / (double) pods[0];
            double progressRatio = heavyShards / (double) Math.max(1, lightAtThatTime);
            assertTrue(podRatio >= 2 && podRatio <= 4, "worker pods split 3:1 by weight: " + pods[1] + ":" + pods[0]);
            assertTrue(
                    progressRatio >= 1.5,
                    "the weight-3 job progressed faster: " + heavyShards + " vs " + lightAtThatTime);
            System.out.printf(
                    "[figures] two jobs on one replica, weights 3:1: worker pods %d:%d (%.1f); when the heavy job "
                            + "finished (%d shards) the light one had %d (progress ratio %.1f)%n",
                    pods[1], pods[0], podRatio, heavyShards, lightAtThatTime, progressRatio);
        }
    }

    private static int parallelism(Scenario s, String job) {
        Job j = s.client
                .batch()
                .v1()
                .jobs()
                .inNamespace(Scenario.NS)
                .withName(job + "-work")
                .get();
        return j == null || j.getSpec().getParallelism() == null
                ? 0
                : j.getSpec().getParallelism();
    }

    /** The quickstart model with a small batch ({@code maxNumSeqs}), so a few workers fill a replica. */
    private static RewriterModel model(Scenario s, String name, int min, int max, int maxNumSeqs) throws Exception {
        RewriterModel model = s.load(RewriterModel.class, Path.of("../examples/quickstart/model.yaml"));
        model.getMetadata().setName(name);
        model.getSpec().getReplicas().setMin(min);
        model.getSpec().getReplicas().setMax(max);
        model.getSpec().getEngine().setMaxNumSeqs(maxNumSeqs);
        RewriterModelSpec.Autoscaling a = model.getSpec().getAutoscaling();
        a.setPeriodSeconds(2);
        a.setIdleToZeroSeconds(6);
        a.setScaleDownStabilizationSeconds(4);
        a.setTargetWaitingPerReplica(4);
        return model;
    }
}
