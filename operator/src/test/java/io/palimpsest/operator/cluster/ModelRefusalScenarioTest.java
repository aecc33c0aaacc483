package io.palimpsest.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The model's server wants an API key the RewriterModel does not give (a {@code --api-key} of the spec's own
 * in {@code engine.extraArgs}, which replaces the key the operator makes): every request would answer 401. The first worker to see it exits 78, the podFailurePolicy fails the whole worker Job at once
 * (no shard spends its retries), and the RewriteJob fails with reason ModelConfig and the worker's
 * words: the endpoint, the status and what the server said. No receipt and no output is committed.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class ModelRefusalScenarioTest {

    static final int SHARDS = 6;

    @Inject
    KubernetesClient operatorClient;

    @Test
    void aWrongKeyFailsTheJobAtOnceWithTheServersAnswer() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient),
                PalimpsestWorkerProgram.Mode.SUBPROCESS,
                () -> SimConfig.builder().zeroLatency().startupDelay(Duration.ofMillis(500)))) {
            Path input = s.claim("corpus").resolve("refusal-in");
            SyntheticCorpus.write(input, SHARDS, 10, 3);
            RewriterModel model = s.modelLike("keyed-model", 1, 5);
            model.getSpec().getEngine().setExtraArgs(List.of("--api-key", "a-key-the-job-does-not-have"));
            s.client.resource(model).create();
            RewriteJob job =
                    s.smallJob("refusal", "keyed-model", "pvc://corpus/refusal-in/", "pvc://corpus/refusal-out/");
            job.getSpec().getRetry().setAttemptsPerShard(3);
            s.client.resource(job).create();

            RewriteJob done = s.awaitPhase("refusal", JobPhase.Failed, Duration.ofSeconds(180));
            System.out.println("---- final status\n"
                    + s.client.getKubernetesSerialization().asYaml(done.getStatus()));
            Condition failed = done.getStatus().getConditions().stream()
                    .filter(c -> Conditions.FAILED.equals(c.getType()))
                    .findFirst()
                    .orElseThrow();
            assertEquals("True", failed.getStatus());
            assertEquals("ModelConfig", failed.getReason());
            String message = failed.getMessage();
            assertTrue(message.contains("/v1/chat/completions answered HTTP 401"), message);
            assertTrue(message.contains("Unauthorized"), message);
            assertTrue(message.contains("apiKeySecretRef"), message);
            assertFalse(message.contains("a-key-the-job-does-not-have"), "never a secret: " + message);

            int pods = PoisonShardScenarioTest.workerPods(s, "refusal").size();
            assertTrue(
                    pods < SHARDS * 3,
                    "the job failed fast, not after every shard's attempts: " + pods + " worker pods");
            Path output = s.claim("corpus").resolve("refusal-out");
            try (Stream<Path> files = Files.exists(output) ? Files.walk(output) : Stream.empty()) {
                List<String> committed = files.filter(Files::isRegularFile)
                        .map(p -> output.relativize(p).toString())
                        .filter(p -> p.contains("receipts") || !p.startsWith("_palimpsest"))
                        .toList();
                assertEquals(List.of(), committed, "no receipt and no output");
            }
            System.out.printf(
                    "[figures] wrong API key: %d shards, %d worker pod(s) before the job failed, reason %s%n",
                    SHARDS, pods, failed.getReason());
        }
    }
}
