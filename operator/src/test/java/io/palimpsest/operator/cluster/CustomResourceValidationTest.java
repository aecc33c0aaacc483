package io.palimpsest.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The simulated API server refuses a RewriteJob or RewriterModel that the CRD's schema or CEL rules
 * refuse, 422 Invalid with a cause naming the field, as a real API server does, and stores nothing.
 */
class CustomResourceValidationTest {
    private KubernetesMockServer server;
    private KubernetesClient client;

    @BeforeEach
    void start() {
        server = CrudApiServer.start();
        ValidatingApiServer.install(server);
        client = server.createClient();
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    @Test
    void aCreateTheSchemaRefusesIsNotStored() throws Exception {
        RewriteJob job = load(RewriteJob.class, "../examples/quickstart/job.yaml");
        job.getSpec().getRetry().setAttemptsPerShard(0);
        job.getSpec().getInput().setUri("http://not-s3/in/");
        KubernetesClientException e = assertThrows(
                KubernetesClientException.class,
                () -> client.resource(job).inNamespace("ns").create());
        assertEquals(422, e.getCode());
        assertEquals("Invalid", e.getStatus().getReason());
        List<String> fields = e.getStatus().getDetails().getCauses().stream()
                .map(StatusCause::getField)
                .toList();
        assertTrue(fields.contains("spec.retry.attemptsPerShard"), fields.toString());
        assertTrue(fields.contains("spec.input.uri"), "the CEL rule on the uri: " + fields);
        assertTrue(
                e.getStatus()
                        .getMessage()
                        .startsWith("RewriteJob.palimpsest.io \""
                                + job.getMetadata().getName() + "\" is invalid: "),
                e.getStatus().getMessage());
        assertNull(client.resources(RewriteJob.class)
                .inNamespace("ns")
                .withName(job.getMetadata().getName())
                .get());
    }

    @Test
    void aModelWithABadNameOrFieldIsRefused() throws Exception {
        RewriterModel model = load(RewriterModel.class, "../examples/quickstart/model.yaml");
        model.getSpec().getEngine().setTensorParallelSize(0);
        KubernetesClientException e = assertThrows(
                KubernetesClientException.class,
                () -> client.resource(model).inNamespace("ns").create());
        assertEquals(422, e.getCode());
        assertTrue(
                e.getStatus().getMessage().contains("spec.engine.tensorParallelSize"),
                e.getStatus().getMessage());
    }

    @Test
    void anEditBreakingATransitionRuleIsRefusedByReplaceAndPatch() throws Exception {
        RewriteJob job = load(RewriteJob.class, "../examples/quickstart/job.yaml");
        client.resource(job).inNamespace("ns").create();
        String name = job.getMetadata().getName();

        KubernetesClientException edit =
                assertThrows(KubernetesClientException.class, () -> client.resources(RewriteJob.class)
                        .inNamespace("ns")
                        .withName(name)
                        .edit(j -> {
                            j.getSpec().getOutput().setUri("s3://elsewhere/out/");
                            return j;
                        }));
        assertEquals(422, edit.getCode());
        assertTrue(
                edit.getStatus().getMessage().contains("spec.output: output is immutable once set"),
                edit.getStatus().getMessage());

        RewriteJob stored = client.resources(RewriteJob.class)
                .inNamespace("ns")
                .withName(name)
                .get();
        stored.getSpec().getRetry().setAttemptsPerShard(-1);
        KubernetesClientException update = assertThrows(
                KubernetesClientException.class,
                () -> client.resource(stored).inNamespace("ns").update());
        assertEquals(422, update.getCode());

        stored.getSpec().getRetry().setAttemptsPerShard(5);
        client.resource(stored).inNamespace("ns").update();
        assertEquals(
                5,
                client.resources(RewriteJob.class)
                        .inNamespace("ns")
                        .withName(name)
                        .get()
                        .getSpec()
                        .getRetry()
                        .getAttemptsPerShard(),
                "a valid edit is stored");
    }

    private <T> T load(Class<T> type, String file) throws Exception {
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            return client.getKubernetesSerialization().unmarshal(in, type);
        }
    }
}
