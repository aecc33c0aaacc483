package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.OutageMode;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A model outage in the middle of a job: every replica refuses connections (a crashed engine)
 * for {@link #OUTAGE}, replicas started meanwhile included. No shard may fail, and the operator
 * must give the job its workers back within one autoscaler period of the model's recovery.
 * <p>
 * With {@code parallelism: auto} (the example's) the operator adds no workers while the model has
 * no ready replica but keeps the running ones (ParallelismPolicy): they wait at their health gate
 * and send again within one probe of recovery. "Progress resumes" is asserted as the worker Job
 * having pods again within one period and requests reaching the model soon after.
 * <p>
 * The default run is scaled by 1/3: a 60 s outage is 20 s here and the autoscaler period 15 s is
 * 5 s, so the outage still spans four periods. The slow run takes both at full length.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class ModelOutageScenarioTest {

    static final int SHARDS = 8;
    static final int DOCS = 30;

    @Inject
    KubernetesClient operatorClient;

    @Test
    void jobRidesOutAModelOutageScaled() throws Exception {
        ridesOut(Duration.ofSeconds(20), 5, "scaled 1/3 of 60 s");
    }

    @Test
    @Tag("slow")
    void jobRidesOutAMinuteLongModelOutage() throws Exception {
        ridesOut(Duration.ofSeconds(60), 15, "full length");
    }

    private void ridesOut(Duration outage, int periodSeconds, String scale) throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient), PalimpsestWorkerProgram.Mode.SUBPROCESS, () -> SimConfig.builder()
                        .startupDelay(Duration.ofSeconds(1))
                        .decodeStepBaseSeconds(0.02)
                        .requestLogCapacity(100_000))) {
            Path input = s.claim("corpus").resolve("outage-in");
            SyntheticCorpus.write(input, SHARDS, DOCS, 5);
            s.createModel("outage-model", periodSeconds, 60);
            RewriteJob job =
                    s.smallJob("outage", "outage-model", "pvc://corpus/outage-in/", "pvc://corpus/outage-out/");
            s.client.resource(job).create();

            // Outage once the model has served a while.
            await().atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> completions(s, Instant.EPOCH) >= 20);
            Instant began = Instant.now();
            RewriteJobStatus before = s.job("outage").getStatus();
            long shardsBefore = before == null || before.getShards() == null
                    ? 0
                    : before.getShards().getSucceeded();
            int lowestParallelism = Integer.MAX_VALUE;
            while (Duration.between(began, Instant.now()).compareTo(outage) < 0) {
                for (ModelSimServer server : s.models.servers().values()) {
                    if (!server.isPaused()) {
                        server.beginOutage(OutageMode.REFUSE_CONNECTIONS, null);
                    }
                }
                lowestParallelism = Math.min(lowestParallelism, parallelism(s));
                Thread.sleep(100);
            }
            Instant recovered = Instant.now();
            s.models.servers().values().forEach(ModelSimServer::endOutage);
            boolean droppedToZero = lowestParallelism == 0;
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> parallelism(s) > 0);
            double reactSeconds = Scenario.seconds(recovered, Instant.now());

            Instant resumed = await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> firstCompletionAfter(s, recovered), Optional::isPresent)
                    .orElseThrow();
            RewriteJob done = s.awaitPhase("outage", JobPhase.Succeeded, Duration.ofSeconds(240));
            RewriteJobStatus st = done.getStatus();
            double resumeSeconds = Scenario.seconds(recovered, resumed);

            assertEquals(0, st.getShards().getFailed(), "no shard fails for an outage: " + st.getRecentFailures());
            assertEquals(SHARDS, st.getShards().getSucceeded());
            assertEquals((long) SHARDS * DOCS, st.getDocuments().getRead());
            assertTrue(
                    reactSeconds <= periodSeconds, "workers back within one autoscaler period: " + reactSeconds + " s");
            assertTrue(resumeSeconds <= 6 * periodSeconds, "requests reach the model again: " + resumeSeconds + " s");

            System.out.printf(
                    "[figures] model outage %d s (%s; autoscaler period %d s): %d/%d shards done "
                            + "before it; worker parallelism during it %s; after recovery workers back in %.1f s (%.2f periods), "
                            + "first request at the model in %.1f s (running workers waited at their health gate); "
                            + "0 failed shards, %d/%d succeeded, %d documents read; %d failures recorded%n",
                    outage.toSeconds(),
                    scale,
                    periodSeconds,
                    shardsBefore,
                    SHARDS,
                    droppedToZero ? "dropped to 0" : "min " + lowestParallelism,
                    reactSeconds,
                    reactSeconds / periodSeconds,
                    resumeSeconds,
                    st.getShards().getSucceeded(),
                    SHARDS,
                    st.getDocuments().getRead(),
                    st.getRecentFailures().size());
        }
    }

    private static int parallelism(Scenario s) {
        Job job = s.client
                .batch()
                .v1()
                .jobs()
                .inNamespace(Scenario.NS)
                .withName("outage-work")
                .get();
        return job == null || job.getSpec().getParallelism() == null
                ? -1
                : job.getSpec().getParallelism();
    }

    private static long completions(Scenario s, Instant after) {
        return s.models.servers().values().stream()
                .mapToLong(server -> server.requestLog().completions().stream()
                        .filter(r -> r.receivedAt().isAfter(after))
                        .count())
                .sum();
    }

    private static Optional<Instant> firstCompletionAfter(Scenario s, Instant after) {
        return s.models.servers().values().stream()
                .flatMap(server -> server.requestLog().completions().stream())
                .map(r -> r.receivedAt())
                .filter(t -> t.isAfter(after))
                .min(Instant::compareTo);
    }
}
