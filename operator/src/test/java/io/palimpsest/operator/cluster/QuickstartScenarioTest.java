package io.palimpsest.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The quickstart example applied to the simulated cluster and run by the real operator, real
 * worker code and model-sim replicas: it must succeed and write what {@code palimpsest local}
 * writes for the same manifests. The corpus sits on a claim ({@code pvc://corpus/...}: the
 * operator rightly refuses file:// in a cluster), so the workers run as subprocesses, the mode
 * that passes {@code PALIMPSEST_PVC_ROOT}.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class QuickstartScenarioTest {

    /** The operator's own client; the simulated cluster gets a client of its own to the same server. */
    @Inject
    KubernetesClient operatorClient;

    @Test
    void quickstartCompletesAndMatchesLocal() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs worker-image/target/palimpsest.jar");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient),
                PalimpsestWorkerProgram.Mode.SUBPROCESS,
                () -> SimConfig.builder().zeroLatency().startupDelay(Duration.ofSeconds(1)))) {
            Path examples = Path.of("../examples/quickstart");
            Path input = s.claim("corpus").resolve("in");
            copyDir(examples.resolve("data"), input);
            RewriterModel model = s.load(RewriterModel.class, examples.resolve("model.yaml"));
            RewriterModelSpec.Autoscaling autoscaling = model.getSpec().getAutoscaling();
            autoscaling.setPeriodSeconds(1);
            autoscaling.setIdleToZeroSeconds(5);
            RewriteJob job = s.load(RewriteJob.class, examples.resolve("job.yaml"));
            job.getSpec().getInput().setUri("pvc://corpus/in/");
            job.getSpec().getOutput().setUri("pvc://corpus/out/");
            job.getSpec().getOutput().setCompression(RewriteJobSpec.Compression.none);

            Instant applied = Instant.now();
            s.client.resource(model).create();
            s.client.resource(job).create();
            RewriteJob done = s.awaitPhase("quickstart", JobPhase.Succeeded, Duration.ofSeconds(120));
            Instant finished = Instant.now();

            // The reference: the same manifests through `palimpsest local --simulate`.
            Path localDir = s.work.resolve("local");
            Files.createDirectories(localDir);
            RewriteJob localJob = s.load(RewriteJob.class, examples.resolve("job.yaml"));
            pointAt(localJob, input, s.work.resolve("local-out"));
            Files.writeString(
                    localDir.resolve("job.yaml"),
                    s.client.getKubernetesSerialization().asYaml(localJob));
            Files.copy(examples.resolve("model.yaml"), localDir.resolve("model.yaml"));
            assertEquals(0, s.runLocal("local", "-f", localDir.toString(), "--simulate"));
            assertTrue(
                    Files.exists(s.work.resolve("local-out/_palimpsest/simulated.json")),
                    "local says the simulator served");

            Map<String, List<String>> cluster = records(s.claim("corpus").resolve("out"));
            Map<String, List<String>> local = records(s.work.resolve("local-out"));
            assertFalse(cluster.isEmpty(), "the cluster run wrote outputs");
            assertEquals(local.keySet(), cluster.keySet(), "same output files");
            local.forEach((file, records) -> assertEquals(records, cluster.get(file), file));

            System.out.printf(
                    "[figures] quickstart: %d shards, %d documents read, %d written, %d rejected; "
                            + "apply -> Succeeded %.1f s; output files %d, identical to palimpsest local%n",
                    done.getStatus().getShards().getTotal(),
                    done.getStatus().getDocuments().getRead(),
                    done.getStatus().getDocuments().getWritten(),
                    done.getStatus().getDocuments().getRejected(),
                    Scenario.seconds(applied, finished),
                    cluster.size());
        }
    }

    /** For `palimpsest local`: absolute file:// URIs (the example's are relative to its folder), uncompressed output. */
    static void pointAt(RewriteJob job, Path input, Path output) {
        job.getSpec().getInput().setUri("file://" + input.toAbsolutePath() + "/");
        job.getSpec().getOutput().setUri("file://" + output.toAbsolutePath() + "/");
        job.getSpec().getOutput().setCompression(RewriteJobSpec.Compression.none);
    }

    /** Every output file's records, with the run-specific provenance (job uid, times) left out. */
    static Map<String, List<String>> records(Path root) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<String, List<String>> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".jsonl"))
                    .toList()) {
                String rel = root.relativize(f).toString();
                if (rel.startsWith("_palimpsest/") && !rel.startsWith("_palimpsest/rejects/")) {
                    continue;
                }
                List<String> lines = new ArrayList<>();
                for (String line : Files.readAllLines(f)) {
                    JsonNode node = json.readTree(line);
                    stripVolatile(node);
                    lines.add(json.writeValueAsString(node));
                }
                // a shard's records are in the order the model answered them, which two runs need not share
                Collections.sort(lines);
                out.put(rel, lines);
            }
        }
        return out;
    }

    private static void stripVolatile(JsonNode node) {
        if (node instanceof ObjectNode o) {
            // simulated: the reference run's records say the built-in simulator served them; the cluster's model is a
            // server
            o.remove(List.of(
                    "jobUid",
                    "uid",
                    "attempt",
                    "writer",
                    "time",
                    "timestamp",
                    "createdAt",
                    "seconds",
                    "latencyMs",
                    "simulated"));
            o.elements().forEachRemaining(QuickstartScenarioTest::stripVolatile);
        }
    }

    static void copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
