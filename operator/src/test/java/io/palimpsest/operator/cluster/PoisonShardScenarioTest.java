package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * One shard whose only file changes once the plan is stored (the worker finds it is not the file the plan counted and
 * exits 42: {@link SyntheticCorpus#writePoison}) among good shards, with one attempt per shard: the bad shard is
 * failed at once (podFailurePolicy FailIndex) and reported, the others are all committed. Two running worker pods are preempted (DisruptionTarget) on the way:
 * with a single attempt, a counted failure would lose their shards, so their success shows the
 * disruption was not charged, and the replacement pods' failure-count annotations say so directly.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class PoisonShardScenarioTest {

    static final int GOOD_SHARDS = 6;
    static final int DOCS = 12;

    @Inject
    KubernetesClient operatorClient;

    @Test
    void poisonShardIsQuarantinedAndDisruptionsAreFree() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        // Real decode latency, so workers are still running when they are preempted.
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient),
                PalimpsestWorkerProgram.Mode.SUBPROCESS,
                () -> SimConfig.builder().startupDelay(Duration.ofSeconds(1)).decodeStepBaseSeconds(0.01))) {
            Path input = s.claim("corpus").resolve("poison-in");
            SyntheticCorpus.write(input, GOOD_SHARDS, DOCS, 7);
            AutoCloseable poison = SyntheticCorpus.writePoison(
                    input, "shard-0003b.jsonl.gz", s.claim("corpus").resolve("poison-out"));

            s.createModel("poison-model", 1, 5);
            RewriteJob job =
                    s.smallJob("poison", "poison-model", "pvc://corpus/poison-in/", "pvc://corpus/poison-out/");
            job.getSpec().getInput().setInclude(List.of("*.jsonl", "*.jsonl.gz"));
            job.getSpec().getRetry().setAttemptsPerShard(1);
            s.client.resource(job).create();

            Map<String, String> disrupted = disruptTwoRunningWorkers(s, "poison");
            RewriteJob done = await().atMost(Duration.ofSeconds(240))
                    .pollInterval(Duration.ofMillis(300))
                    .until(
                            () -> s.job("poison"),
                            j -> j != null
                                    && j.getStatus() != null
                                    && j.getStatus().getPhase() != null
                                    && j.getStatus().getPhase().isTerminal());
            RewriteJobStatus st = done.getStatus();
            System.out.println("---- final status\n"
                    + s.client.getKubernetesSerialization().asYaml(st));

            assertEquals(GOOD_SHARDS + 1, st.getShards().getTotal());
            assertEquals(1, st.getShards().getFailed(), "only the poison shard failed");
            assertEquals(GOOD_SHARDS, st.getShards().getSucceeded(), "every other shard committed");
            assertEquals((long) GOOD_SHARDS * DOCS, st.getDocuments().getRead());
            // Status reasons are one vocabulary (BadData); the worker's own code (bad_data) leads the message.
            RewriteJobStatus.ShardFailure failure = st.getRecentFailures().stream()
                    .filter(f -> f.getReason() != null
                            && f.getReason().replace("_", "").equalsIgnoreCase("BadData"))
                    .findFirst()
                    .orElseThrow();
            assertEquals(String.valueOf(failure.getShard()), st.getFailedShards());
            assertTrue(
                    failure.getMessage() == null || failure.getMessage().contains("shard-0003b"), failure.getMessage());
            assertEquals(1, st.getRecentFailures().size(), "disruptions are not failures: " + st.getRecentFailures());
            boolean degraded = st.getConditions().stream()
                    .anyMatch(c -> Conditions.DEGRADED.equals(c.getType()) && "True".equals(c.getStatus()));
            assertTrue(
                    done.getStatus().getPhase() == JobPhase.Failed || degraded,
                    "ends Failed or Degraded: " + done.getStatus().getPhase() + " " + st.getConditions());
            disrupted.forEach((index, counts) -> assertEquals("failures=0 ignored=1", counts, "index " + index));
            assertTrue(
                    failure.getMessage() == null || failure.getMessage().contains("changed since it was planned"),
                    failure.getMessage());
            poison.close();

            System.out.printf(
                    "[figures] poison shard: %d/%d shards committed, shard %s failed (%s, attempt %d) -> phase %s%s; "
                            + "%d pods preempted, replacement annotations %s%n",
                    st.getShards().getSucceeded(),
                    st.getShards().getTotal(),
                    st.getFailedShards(),
                    failure.getReason(),
                    failure.getAttempt(),
                    st.getPhase(),
                    degraded ? " + Degraded" : "",
                    disrupted.size(),
                    disrupted);
        }
    }

    /** Preempts two running worker pods of good shards; returns index -> the replacement pod's failure counts. */
    private static Map<String, String> disruptTwoRunningWorkers(Scenario s, String job) {
        Map<String, String> done = new HashMap<>();
        await().atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    for (Pod p : workerPods(s, job)) {
                        String index = p.getMetadata().getAnnotations().get(RewriteJobNames.COMPLETION_INDEX);
                        if (done.size() < 2
                                && !done.containsKey(index)
                                && isBadShard(s, p) == false
                                && s.cluster
                                        .kubelet()
                                        .runningPods()
                                        .contains(Scenario.NS + "/"
                                                + p.getMetadata().getName())
                                && s.cluster
                                        .kubelet()
                                        .disrupt(Scenario.NS, p.getMetadata().getName(), "PreemptionByScheduler")) {
                            done.put(index, "pending");
                        }
                    }
                    return done.size() == 2;
                });
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    for (Pod p : workerPods(s, job)) {
                        Map<String, String> a = p.getMetadata().getAnnotations();
                        String index = a.get(RewriteJobNames.COMPLETION_INDEX);
                        String ignored = a.getOrDefault(JobSync.IGNORED_FAILURE_COUNT, "0");
                        if (done.containsKey(index) && !"0".equals(ignored)) {
                            done.put(
                                    index,
                                    "failures=" + a.getOrDefault(JobSync.FAILURE_COUNT, "0") + " ignored=" + ignored);
                        }
                    }
                    return done.values().stream().noneMatch("pending"::equals);
                });
        return done;
    }

    private static boolean isBadShard(Scenario s, Pod p) {
        // the plan orders shards by size, not by name: its manifest says which index holds the bad file
        String index = p.getMetadata().getAnnotations().get(RewriteJobNames.COMPLETION_INDEX);
        try {
            Path manifest = s.claim("corpus").resolve("poison-out/_palimpsest/manifest.jsonl");
            return Files.readAllLines(manifest).stream()
                    .anyMatch(line -> line.contains("shard-0003b") && line.startsWith("{\"index\":" + index + ","));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Pod> workerPods(Scenario s, String job) {
        return s.client.pods().inNamespace(Scenario.NS).withLabel("job-name", job + "-work").list().getItems().stream()
                .filter(p -> p.getMetadata().getAnnotations() != null
                        && p.getMetadata().getAnnotations().containsKey(RewriteJobNames.COMPLETION_INDEX))
                .toList();
    }
}
