package io.palimpsest.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.operator.model.ModelNames;
import io.palimpsest.sim.ModelSimServer;
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
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every recipe example, whole, through the operator on the simulated cluster: the example's own
 * manifests (model scaled from zero, shards, stages, judges, programs), with scripted simulator
 * replies where the example ships {@code sim-rules.yaml} (preambles, sentinels, truncations, JSON
 * stages, edit programs, judge scores). The model-sim replicas and the reference
 * {@code palimpsest local} run answer from the same rules, so the outputs, rejects included, must
 * be identical file for file. An example whose recipe calls no model (reStructured) runs with no
 * RewriterModel at all, on the cluster and locally.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class RecipeExamplesScenarioTest {

    @Inject
    KubernetesClient operatorClient;

    /** The quick set, run with every build: two model recipes and the one without a model. */
    @ParameterizedTest
    @ValueSource(strings = {"wrap", "nemotron-cc", "restructured"})
    void exampleCompletesAndMatchesLocal(String example) throws Exception {
        run(example);
    }

    /** The other six (chunk-wise autoregressive K2, two-stage MAGA and SwallowCode with judge, ProX programs...). */
    @Tag("slow")
    @ParameterizedTest
    @ValueSource(strings = {"k2-knowledge", "k2-math", "maga", "prox", "swallowcode", "swallowmath"})
    void everyOtherRecipeExampleMatchesLocal(String example) throws Exception {
        run(example);
    }

    private void run(String example) throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        Path dir = Path.of("../examples", example);
        Path rules = dir.resolve("sim-rules.yaml");
        boolean scripted = Files.isRegularFile(rules);
        boolean withModel = Files.isRegularFile(dir.resolve("model.yaml"));
        Supplier<SimConfig.Builder> replica = () -> {
            SimConfig.Builder b = SimConfig.builder().zeroLatency().startupDelay(Duration.ofSeconds(1));
            return scripted ? b.rulesFile(rules.toAbsolutePath()) : b;
        };
        try (Scenario s =
                new Scenario(Scenario.clientLike(operatorClient), PalimpsestWorkerProgram.Mode.SUBPROCESS, replica)) {
            Path input = s.claim("corpus").resolve(example);
            QuickstartScenarioTest.copyDir(dir.resolve("data"), input);
            RewriteJob job = s.load(RewriteJob.class, dir.resolve("job.yaml"));
            job.getSpec().getInput().setUri("pvc://corpus/" + example + "/");
            job.getSpec().getOutput().setUri("pvc://corpus/" + example + "-out/");
            job.getSpec().getOutput().setCompression(RewriteJobSpec.Compression.none);

            Instant applied = Instant.now();
            if (withModel) {
                RewriterModel model = s.load(RewriterModel.class, dir.resolve("model.yaml"));
                model.getSpec().getAutoscaling().setPeriodSeconds(1);
                model.getSpec().getAutoscaling().setIdleToZeroSeconds(5);
                s.client.resource(model).create();
            }
            s.client.resource(job).create();
            RewriteJob done = s.awaitPhase(
                    example,
                    JobPhase.Succeeded,
                    Duration.ofSeconds(480)); // K2 (chunks in order, judged) took 216 s loaded
            double seconds = Scenario.seconds(applied, Instant.now());
            if (!withModel) {
                assertNoModelAnywhere(s, example);
            }

            // The reference: the same manifests through `palimpsest local`, served by a simulator with the same rules.
            Path localDir = Files.createDirectories(s.work.resolve("local"));
            RewriteJob localJob = s.load(RewriteJob.class, dir.resolve("job.yaml"));
            QuickstartScenarioTest.pointAt(localJob, input, s.work.resolve("local-out"));
            Files.writeString(
                    localDir.resolve("job.yaml"),
                    s.client.getKubernetesSerialization().asYaml(localJob));
            if (withModel) {
                RewriterModel spec = s.load(RewriterModel.class, dir.resolve("model.yaml"));
                SimConfig.Builder config = replica.get()
                        .modelName(spec.getSpec().getServedModelName())
                        .maxNumSeqs(spec.getSpec().getEngine().getMaxNumSeqs())
                        .maxModelLen(spec.getSpec().getEngine().getMaxModelLen());
                Files.copy(dir.resolve("model.yaml"), localDir.resolve("model.yaml"));
                ModelSimServer reference =
                        ModelSimServer.start(config.startupDelay(Duration.ZERO).build(), "127.0.0.1", 0);
                try {
                    assertEquals(0, s.runLocal("local", "-f", localDir.toString(), "--endpoint", reference.baseUrl()));
                } finally {
                    reference.close();
                }
            } else {
                assertEquals(0, s.runLocal("local", "-f", localDir.toString()));
            }

            Map<String, List<String>> cluster = QuickstartScenarioTest.records(input.resolveSibling(example + "-out"));
            Map<String, List<String>> local = QuickstartScenarioTest.records(s.work.resolve("local-out"));
            assertFalse(cluster.isEmpty(), "the cluster run wrote outputs");
            assertEquals(local.keySet(), cluster.keySet(), "same output files");
            local.forEach((file, records) -> assertEquals(records, cluster.get(file), file));
            long rejectsFiles =
                    cluster.keySet().stream().filter(f -> f.contains("rejects")).count();
            var docs = done.getStatus().getDocuments();

            System.out.printf(
                    "[figures] %s: %d shards, %d documents read, %d written, %d rejected, %d skipped; "
                            + "%d prompt + %d completion tokens; apply -> Succeeded %.1f s (loaded machine); "
                            + "%d output files (%d of rejects), identical to palimpsest local%n",
                    example,
                    done.getStatus().getShards().getTotal(),
                    docs.getRead(),
                    docs.getWritten(),
                    docs.getRejected(),
                    docs.getSkipped(),
                    done.getStatus().getTokens().getPrompt(),
                    done.getStatus().getTokens().getCompletion(),
                    seconds,
                    cluster.size(),
                    rejectsFiles);
        }
    }

    /** No RewriterModel, no model server pod, and workers told of no model: nothing waited for one. */
    private static void assertNoModelAnywhere(Scenario s, String example) throws Exception {
        assertTrue(
                s.client
                        .resources(RewriterModel.class)
                        .inNamespace(Scenario.NS)
                        .list()
                        .getItems()
                        .isEmpty(),
                "no RewriterModel exists");
        List<String> modelPods = new ArrayList<>();
        s.client.pods().inNamespace(Scenario.NS).list().getItems().forEach(p -> {
            Map<String, String> labels = p.getMetadata().getLabels();
            if (labels != null && labels.containsKey(ModelNames.MODEL_LABEL)) {
                modelPods.add(p.getMetadata().getName());
            }
        });
        assertEquals(List.of(), modelPods, "no pod of a model, and no worker counted as a model's demand");
        assertFalse(s.client.pods().inNamespace(Scenario.NS).list().getItems().isEmpty(), "the workers ran as pods");
        ConfigMap config = s.client.configMaps().inNamespace(Scenario.NS).list().getItems().stream()
                .filter(c -> c.getData() != null && c.getData().containsKey(ResolvedJob.CONFIG_KEY))
                .findFirst()
                .orElseThrow();
        ResolvedJob resolved = s.client
                .getKubernetesSerialization()
                .unmarshal(config.getData().get(ResolvedJob.CONFIG_KEY), ResolvedJob.class);
        assertEquals(null, resolved.getModel(), "job.yaml has no model section");
        assertEquals(example, resolved.getName());
    }
}
