package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Recipe examples with scripted simulator replies ({@code sim-rules.yaml}: preambles, sentinels,
 * truncations) on the simulated cluster: the model-sim replicas and the reference
 * {@code palimpsest local} run answer from the same rules, so the outputs, rejects included, must
 * be identical file for file.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class RecipeExamplesScenarioTest {

    @Inject
    KubernetesClient operatorClient;

    @ParameterizedTest
    @ValueSource(strings = {"wrap", "nemotron-cc"})
    void exampleCompletesAndMatchesLocal(String example) throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        Path dir = Path.of("../examples", example);
        Supplier<SimConfig.Builder> replica = () -> SimConfig.builder().zeroLatency()
                .startupDelay(Duration.ofSeconds(1)).rulesFile(dir.resolve("sim-rules.yaml").toAbsolutePath());
        try (Scenario s = new Scenario(Scenario.clientLike(operatorClient), PalimpsestWorkerProgram.Mode.SUBPROCESS, replica)) {
            Path input = s.claim("corpus").resolve(example);
            QuickstartScenarioTest.copyDir(dir.resolve("data"), input);
            RewriterModel model = s.load(RewriterModel.class, dir.resolve("model.yaml"));
            model.getSpec().getAutoscaling().setPeriodSeconds(1);
            model.getSpec().getAutoscaling().setIdleToZeroSeconds(5);
            RewriteJob job = s.load(RewriteJob.class, dir.resolve("job.yaml"));
            job.getSpec().getInput().setUri("pvc://corpus/" + example + "/");
            job.getSpec().getOutput().setUri("pvc://corpus/" + example + "-out/");
            job.getSpec().getOutput().setCompression(RewriteJobSpec.Compression.none);

            Instant applied = Instant.now();
            s.client.resource(model).create();
            s.client.resource(job).create();
            RewriteJob done = s.awaitPhase(example, JobPhase.Succeeded, Duration.ofSeconds(180));
            double seconds = Scenario.seconds(applied, Instant.now());

            // The reference: the same manifests through `palimpsest local`, served by a simulator with the same rules.
            RewriterModel spec = s.load(RewriterModel.class, dir.resolve("model.yaml"));
            SimConfig.Builder config = replica.get().modelName(spec.getSpec().getServedModelName())
                    .maxNumSeqs(spec.getSpec().getEngine().getMaxNumSeqs())
                    .maxModelLen(spec.getSpec().getEngine().getMaxModelLen());
            Path localDir = Files.createDirectories(s.work.resolve("local"));
            RewriteJob localJob = s.load(RewriteJob.class, dir.resolve("job.yaml"));
            QuickstartScenarioTest.pointAt(localJob, input, s.work.resolve("local-out"));
            Files.writeString(localDir.resolve("job.yaml"), s.client.getKubernetesSerialization().asYaml(localJob));
            Files.copy(dir.resolve("model.yaml"), localDir.resolve("model.yaml"));
            ModelSimServer reference = ModelSimServer.start(config.startupDelay(Duration.ZERO).build(), "127.0.0.1", 0);
            try {
                assertEquals(0, s.runLocal("local", "-f", localDir.toString(), "--endpoint", reference.baseUrl()));
            } finally {
                reference.close();
            }

            Map<String, List<String>> cluster = QuickstartScenarioTest.records(input.resolveSibling(example + "-out"));
            Map<String, List<String>> local = QuickstartScenarioTest.records(s.work.resolve("local-out"));
            assertFalse(cluster.isEmpty(), "the cluster run wrote outputs");
            assertEquals(local.keySet(), cluster.keySet(), "same output files");
            local.forEach((file, records) -> assertEquals(records, cluster.get(file), file));
            long rejectsFiles = cluster.keySet().stream().filter(f -> f.contains("rejects")).count();

            System.out.printf("[figures] %s: %d shards, %d documents read, %d written, %d rejected; %d completion tokens; "
                            + "apply -> Succeeded %.1f s (loaded machine); %d output files (%d of rejects), identical to palimpsest local%n",
                    example, done.getStatus().getShards().getTotal(), done.getStatus().getDocuments().getRead(),
                    done.getStatus().getDocuments().getWritten(), done.getStatus().getDocuments().getRejected(),
                    done.getStatus().getTokens().getCompletion(), seconds, cluster.size(), rejectsFiles);
        }
    }
}
