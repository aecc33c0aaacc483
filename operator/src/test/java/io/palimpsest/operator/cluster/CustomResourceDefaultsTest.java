package io.palimpsest.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The simulated API server stores RewriteJobs and RewriterModels with their CRD defaults filled in, as a real one does. */
class CustomResourceDefaultsTest {

    @Test
    void createAndReplaceStoreTheSchemaDefaults() throws Exception {
        KubernetesMockServer server = CrudApiServer.start();
        ValidatingApiServer.install(server);
        try (KubernetesClient client = server.createClient()) {
            RewriterModel model = load(client, RewriterModel.class, "../examples/quickstart/model.yaml");
            model.getSpec().getEngine().setTensorParallelSize(null);
            client.resource(model).inNamespace("ns").create();

            RewriterModel stored = client.resources(RewriterModel.class)
                    .inNamespace("ns")
                    .withName(model.getMetadata().getName())
                    .get();
            assertEquals(1, stored.getSpec().getEngine().getTensorParallelSize(), "engine.tensorParallelSize default");
            assertNull(stored.getSpec().getEngine().getImage(), "no image default: the operator's applies");

            RewriteJob job = load(client, RewriteJob.class, "../examples/quickstart/job.yaml");
            job.getSpec().setSuspend(null);
            client.resource(job).inNamespace("ns").create();
            RewriteJob storedJob = client.resources(RewriteJob.class)
                    .inNamespace("ns")
                    .withName(job.getMetadata().getName())
                    .get();
            assertEquals(Boolean.FALSE, storedJob.getSpec().getSuspend(), "spec.suspend default");

            storedJob.getSpec().getRetry().setAttemptsPerShard(null);
            client.resource(storedJob).inNamespace("ns").update();
            assertEquals(
                    3,
                    client.resources(RewriteJob.class)
                            .inNamespace("ns")
                            .withName(job.getMetadata().getName())
                            .get()
                            .getSpec()
                            .getRetry()
                            .getAttemptsPerShard(),
                    "a replace is defaulted too");
        } finally {
            server.destroy();
        }
    }

    private static <T> T load(KubernetesClient client, Class<T> type, String file) throws Exception {
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            return client.getKubernetesSerialization().unmarshal(in, type);
        }
    }
}
