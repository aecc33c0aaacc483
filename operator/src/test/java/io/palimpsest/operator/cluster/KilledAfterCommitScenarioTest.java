package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A worker killed after it created its shard's receipt and before its summary reached the operator (out of memory
 * while it cleans up: exit 137, no termination message) on the shard's only attempt. The operator learns of a commit
 * from the summary alone, so it charges the attempt and the attempt ledger closes the shard; the Job controller still
 * runs the index again (its own budget holds the outage retries), and that pod finds the receipt: the shard is
 * succeeded, never failed, and the job ends with every shard committed and counted once.
 */
@Tag("slow")
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class KilledAfterCommitScenarioTest {
    static final int SHARDS = 3;
    static final int DOCS = 5;

    @Inject
    KubernetesClient operatorClient;

    @Test
    void aShardCommittedOnItsLastAttemptByAWorkerKilledBeforeItsSummaryIsSucceeded() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient),
                PalimpsestWorkerProgram.Mode.SUBPROCESS,
                () -> SimConfig.builder().startupDelay(Duration.ofSeconds(1)).decodeStepBaseSeconds(0.001))) {
            RewriteJobStatus st = shard0KilledAfterItsCommit(s, "kac", Duration.ofSeconds(240));
            everyShardCommittedOnce(st);
        }
    }

    /**
     * Runs job {@code name} over {@link #SHARDS} shards of {@link #DOCS} documents, one attempt each, with the first
     * worker of shard 0 killed after its commit and before its summary, until the job ends; checks the kill, the
     * receipt and the failed attempt, and returns the job's status at its end.
     */
    static RewriteJobStatus shard0KilledAfterItsCommit(Scenario s, String name, Duration wait) throws IOException {
        AtomicBoolean killed = new AtomicBoolean();
        s.aroundWorkers(worker -> launch -> {
            ContainerProgram.Running running = worker.start(launch);
            if (!launch.argv().contains("run")
                    || !"0".equals(launch.env().get("JOB_COMPLETION_INDEX"))
                    || !killed.compareAndSet(false, true)) {
                return running;
            }
            // The worker ends as it would; what the kubelet then finds is a container killed before its summary:
            // no termination message, and no summary line at the end of its log either, which the kubelet would
            // take instead (FallbackToLogsOnError) and the operator read as the report.
            CompletableFuture<Integer> exit = running.exit().thenApply(code -> {
                try {
                    Files.write(launch.terminationMessageFile(), new byte[0]);
                    List<String> log = Files.readAllLines(launch.logFile());
                    Files.write(
                            launch.logFile(),
                            log.stream()
                                    .filter(line -> !line.contains("\"kind\":\"ShardSummary\""))
                                    .toList());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return code == 0 ? ContainerProgram.SIGKILL_EXIT : code;
            });
            return ContainerProgram.Running.of(exit, running::kill, running::terminate);
        });
        Path input = s.claim("corpus").resolve(name + "-in");
        SyntheticCorpus.write(input, SHARDS, DOCS, 11);
        s.createModel(name + "-model", 1, 30);
        RewriteJob job =
                s.smallJob(name, name + "-model", "pvc://corpus/" + name + "-in/", "pvc://corpus/" + name + "-out/");
        job.getSpec().getRetry().setAttemptsPerShard(1);
        s.client.resource(job).create();

        RewriteJob done = await().atMost(wait)
                .pollInterval(Duration.ofMillis(300))
                .until(
                        () -> s.job(name),
                        j -> j != null
                                && j.getStatus() != null
                                && j.getStatus().getPhase() != null
                                && j.getStatus().getPhase().isTerminal());
        RewriteJobStatus st = done.getStatus();
        System.out.println(
                "---- final status\n" + s.client.getKubernetesSerialization().asYaml(st));

        assertTrue(killed.get(), "shard 0's worker was killed after its commit");
        assertTrue(
                Files.isRegularFile(s.claim("corpus").resolve(name + "-out/_palimpsest/receipts/shard-00000.json")),
                "shard 0 is committed");
        assertTrue(
                st.getRecentFailures().stream().anyMatch(f -> f.getShard() == 0),
                "the kill is a failed attempt: " + st.getRecentFailures());
        return st;
    }

    /** The job succeeded with every shard committed and counted once, none failed. */
    static void everyShardCommittedOnce(RewriteJobStatus st) {
        assertEquals(JobPhase.Succeeded, st.getPhase());
        assertEquals(0, st.getShards().getFailed(), "a committed shard is not failed: " + st.getFailedShards());
        assertNull(st.getFailedShards());
        assertEquals(SHARDS, st.getShards().getSucceeded());
        assertEquals((long) SHARDS * DOCS, st.getDocuments().getRead(), "every shard counted once");
    }
}
