package io.palimpsest.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Ids repeated across input files, on the simulated cluster with the real worker: the planner pod
 * indexes them, each later shard's worker rejects its repeats as {@code duplicate_id}, and the job's
 * counts add up. The operator needs nothing of its own for it: the index is part of the plan.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class DuplicateIdsScenarioTest {

    @Inject
    KubernetesClient operatorClient;

    @Test
    void idsRepeatedInLaterShardsAreRejectedOnce() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs worker-image/target/palimpsest.jar");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient), PalimpsestWorkerProgram.Mode.SUBPROCESS, () -> SimConfig.builder()
                        .zeroLatency())) {
            Path input = s.claim("corpus").resolve("in");
            // 12, 6 and 3 documents: the plan (largest first) keeps the files in this order
            SyntheticCorpus.write(input, 3, i -> 12 / (1 << i), 5);
            Files.writeString(
                    input.resolve("shard-0001.jsonl"),
                    "{\"id\":\"s0-d2\",\"text\":\"A second copy of an id.\"}\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
            Files.writeString(
                    input.resolve("shard-0002.jsonl"),
                    "{\"id\":\"s0-d1\",\"text\":\"A third copy of an id.\"}\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
            s.createModel("dup-model", 1, 5);
            s.client
                    .resource(s.smallJob("dups", "dup-model", "pvc://corpus/in/", "pvc://corpus/out/"))
                    .create();

            RewriteJob done = s.awaitPhase("dups", JobPhase.Succeeded, Duration.ofSeconds(120));

            var documents = done.getStatus().getDocuments();
            assertEquals(23, documents.getRead());
            assertEquals(21, documents.getWritten());
            assertEquals(2, documents.getRejected());
            Path out = s.claim("corpus").resolve("out");
            assertTrue(
                    Files.exists(out.resolve("_palimpsest/duplicates/items-index.json")),
                    "the planner wrote the index");
            Map<String, List<String>> rejects = QuickstartScenarioTest.records(out);
            List<String> duplicateRejects = rejects.entrySet().stream()
                    .filter(e -> e.getKey().startsWith("_palimpsest/rejects/"))
                    .flatMap(e -> e.getValue().stream())
                    .filter(r -> r.contains("\"duplicate_id\""))
                    .toList();
            assertEquals(2, duplicateRejects.size(), duplicateRejects.toString());
            assertTrue(duplicateRejects.stream().anyMatch(r -> r.contains("\"s0-d1\"")), duplicateRejects.toString());
            System.out.printf(
                    "[figures] duplicate ids on the cluster: %d read, %d written, %d rejected as duplicate_id%n",
                    documents.getRead(), documents.getWritten(), duplicateRejects.size());
        }
    }
}
