package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
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
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
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

    /**
     * A campaign planned by the release before the items index, run on by this release's workers: the plan
     * holds only the earlier index ({@code _palimpsest/duplicates/index.json}, the ids of a shard first seen
     * in an earlier shard). The operator does not plan a campaign past Planning again, so the workers list
     * their shard's repeats within it themselves, and reject what the earlier workers rejected.
     */
    @Test
    void aCampaignPlannedByTheEarlierVersionRunsOnWithItsRepeatsWithinShards() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs worker-image/target/palimpsest.jar");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient), PalimpsestWorkerProgram.Mode.SUBPROCESS, () -> SimConfig.builder()
                        .zeroLatency())) {
            Path input = s.claim("corpus").resolve("in");
            // 12 and 6 documents: shard 0 is shard-0000.jsonl
            SyntheticCorpus.write(input, 2, i -> 12 / (1 << i), 5);
            Files.writeString(
                    input.resolve("shard-0000.jsonl"),
                    "{\"id\":\"s0-d2\",\"text\":\"A second copy of an id, in its own shard.\"}\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
            Files.writeString(
                    input.resolve("shard-0001.jsonl"),
                    "{\"id\":\"s0-d1\",\"text\":\"A copy of an id of shard 0.\"}\n"
                            + "{\"id\":\"s1-d3\",\"text\":\"A second copy of an id, in its own shard.\"}\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
            s.createModel("old-plan-model", 1, 5);
            RewriteJob job = s.smallJob("old-plan", "old-plan-model", "pvc://corpus/in/", "pvc://corpus/out/");
            job.getSpec().setSuspend(true);
            s.client.resource(job).create();
            s.awaitPhase("old-plan", JobPhase.Suspended, Duration.ofSeconds(120));

            // the plan as the earlier planner left it
            Path out = s.claim("corpus").resolve("out");
            byte[] manifest = Files.readAllBytes(out.resolve("_palimpsest/manifest.jsonl"));
            String hash = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(manifest));
            Path duplicates = out.resolve("_palimpsest/duplicates");
            try (Stream<Path> paths = Files.walk(duplicates)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
            Path lists = Files.createDirectories(duplicates.resolve(hash.substring(0, 16)));
            Files.writeString(lists.resolve("shard-00001.jsonl"), "{\"id\":\"s0-d1\",\"first\":0}\n");
            Files.writeString(
                    duplicates.resolve("index.json"),
                    "{\"manifestSha256\":\"" + hash + "\",\"shards\":2,\"documents\":21,\"duplicates\":1,"
                            + "\"shardsWithDuplicates\":1,\"unreadableShards\":[],\"lists\":\"_palimpsest/duplicates/"
                            + hash.substring(0, 16) + "/\"}");
            // the operator may write the job's status between the edit's read and its write (409): read again
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptionsMatching(e -> e instanceof KubernetesClientException k && k.getCode() == 409)
                    .until(
                            () -> s.client
                                    .resources(RewriteJob.class)
                                    .inNamespace(Scenario.NS)
                                    .withName("old-plan")
                                    .edit(j -> {
                                        j.getSpec().setSuspend(false);
                                        return j;
                                    }),
                            j -> Boolean.FALSE.equals(j.getSpec().getSuspend()));

            RewriteJob done = s.awaitPhase("old-plan", JobPhase.Succeeded, Duration.ofSeconds(120));

            var documents = done.getStatus().getDocuments();
            assertEquals(21, documents.getRead());
            assertEquals(18, documents.getWritten());
            assertEquals(3, documents.getRejected());
            assertTrue(
                    !Files.exists(out.resolve("_palimpsest/duplicates/items-index.json")),
                    "the campaign was not planned again: its workers listed their repeats");
            List<String> duplicateRejects = QuickstartScenarioTest.records(out).entrySet().stream()
                    .filter(e -> e.getKey().startsWith("_palimpsest/rejects/"))
                    .flatMap(e -> e.getValue().stream())
                    .filter(r -> r.contains("\"duplicate_id\""))
                    .toList();
            assertEquals(3, duplicateRejects.size(), duplicateRejects.toString());
            for (String id : List.of("s0-d2", "s0-d1", "s1-d3")) {
                assertTrue(
                        duplicateRejects.stream().anyMatch(r -> r.contains("\"" + id + "\"")),
                        id + ": " + duplicateRejects);
            }
        }
    }
}
