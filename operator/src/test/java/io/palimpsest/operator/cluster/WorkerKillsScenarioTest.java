package io.palimpsest.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * 100 shards of 10 documents while a chaos thread SIGKILLs 50 randomly chosen running workers (real processes,
 * mid-shard, mid-checkpoint or mid-commit, wherever they happen to be): every input document must
 * be in the output exactly once. Killed shards resume from their checkpoints or redo their parts,
 * so a lost or doubled document would show up as a missing or repeated id.
 */
@Tag("slow")
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class WorkerKillsScenarioTest {

    // 100 x 10 rather than 200 x 5: the same 1,000 documents and 50 kills with 100 fewer worker JVM
    // starts, which are nearly all of the scenario's time on a shared machine (backoff and grace
    // periods are a few seconds in all: kills are not deletions, and few shards are killed twice).
    static final int SHARDS = 100;
    static final int DOCS = 10;
    static final int KILLS = 50;

    @Inject
    KubernetesClient operatorClient;

    @Test
    void fiftyKillsLoseAndDuplicateNothing() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient),
                PalimpsestWorkerProgram.Mode.SUBPROCESS,
                () -> SimConfig.builder().startupDelay(Duration.ofSeconds(1)).decodeStepBaseSeconds(0.01))) {
            Path input = s.claim("corpus").resolve("kills-in");
            List<String> ids = SyntheticCorpus.write(input, SHARDS, DOCS, 3);
            s.createModel("kills-model", 2, 30);
            RewriteJob job = s.smallJob("kills", "kills-model", "pvc://corpus/kills-in/", "pvc://corpus/kills-out/");
            job.getSpec().getWorkers().setParallelism(new IntOrString(6));
            job.getSpec().getRetry().setAttemptsPerShard(10);
            Instant applied = Instant.now();
            s.client.resource(job).create();

            AtomicInteger kills = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            Thread chaos = new Thread(
                    () -> {
                        Random random = new Random(42);
                        while (!stop.get() && kills.get() < KILLS) {
                            List<String> running = s.cluster.kubelet().runningPods().stream()
                                    .filter(p -> p.contains("/kills-work-"))
                                    .toList();
                            if (!running.isEmpty()) {
                                String pod = running.get(random.nextInt(running.size()));
                                // Let it run a random while first, so kills land at every stage of a shard.
                                sleep(random.nextInt(1500));
                                if (s.cluster.kubelet().kill(Scenario.NS, pod.substring(pod.indexOf('/') + 1))) {
                                    kills.incrementAndGet();
                                }
                            }
                            sleep(300 + random.nextInt(700));
                        }
                    },
                    "chaos");
            chaos.start();
            RewriteJob done;
            try {
                // -Dkills.minutes=N for a machine busy with other work (every shard start is a JVM start)
                done = s.awaitPhase(
                        "kills", JobPhase.Succeeded, Duration.ofMinutes(Integer.getInteger("kills.minutes", 25)));
            } finally {
                stop.set(true);
                chaos.join();
            }
            double seconds = Scenario.seconds(applied, Instant.now());
            RewriteJobStatus st = done.getStatus();

            Map<String, Integer> seen = new HashMap<>();
            ObjectMapper json = new ObjectMapper();
            try (Stream<Path> files =
                    Files.walk(input.resolveSibling("kills-out").resolve("wiki"))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                    for (String line : Files.readAllLines(f)) {
                        JsonNode record = json.readTree(line);
                        seen.merge(
                                record.path("provenance")
                                        .path("sourceId")
                                        .asText(record.path("id").asText()),
                                1,
                                Integer::sum);
                    }
                }
            }
            List<String> lost = new ArrayList<>(ids);
            lost.removeAll(seen.keySet());
            long duplicated = seen.values().stream().filter(n -> n > 1).count();

            // answered calls beyond one per document are answers a kill threw away (one call per document
            // here: one prompt, no validators); calls cut off by a kill were never answered
            long answered = s.models.servers().values().stream()
                    .flatMap(m -> m.requestLog().completions().stream())
                    .filter(c -> c.outcome()
                            .map(o -> o.status() == 200 && !"abort".equals(o.finishReason()))
                            .orElse(false))
                    .count();
            long thrownAway = answered - ids.size();

            assertTrue(kills.get() >= KILLS, "chaos got its kills in: " + kills.get());
            assertEquals(List.of(), lost, "lost documents");
            assertEquals(0, duplicated, "duplicated documents");
            assertEquals(ids.size(), seen.size());
            assertEquals(SHARDS, st.getShards().getSucceeded());
            assertEquals(ids.size(), st.getDocuments().getWritten());

            System.out.printf(
                    "[figures] %d shards, %d documents, %d worker SIGKILLs: 0 lost, 0 duplicated; "
                            + "%d answered calls, %d thrown away (%.1f per kill; a shard of %d documents is under one checkpoint "
                            + "interval, so that is the most a kill can lose); %d recent failures recorded; apply -> Succeeded %.0f s "
                            + "(loaded machine)%n",
                    SHARDS,
                    ids.size(),
                    kills.get(),
                    answered,
                    thrownAway,
                    thrownAway / (double) kills.get(),
                    DOCS,
                    st.getRecentFailures().size(),
                    seconds);
            assertTrue(
                    thrownAway <= (long) kills.get() * DOCS,
                    "a kill threw away more than one shard's answers: " + thrownAway);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
