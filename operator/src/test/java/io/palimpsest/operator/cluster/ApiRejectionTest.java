package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.status.ConditionAggregator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An object the API server refuses (422) ends the RewriteJob with the server's reason, once: the
 * operator does not retry a create whose answer cannot change. Here the planner Job is refused
 * for an image with a trailing blank, which the CRD accepts and the pod template rules do not.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
class ApiRejectionTest {

    @Inject
    KubernetesClient client;

    @Test
    void aRefusedCreateFailsTheJobWithTheServerMessage() throws Exception {
        RewriteJob job = client.getKubernetesSerialization()
                .unmarshal(Files.newInputStream(Path.of("../examples/quickstart/job.yaml")), RewriteJob.class);
        job.getMetadata().setNamespace("test");
        job.getMetadata().setName("refused");
        job.getSpec().getModelRef().setName("refused-model");
        job.getSpec().getInput().setUri("s3://corpus/in/");
        job.getSpec().getOutput().setUri("s3://corpus/out-refused/");
        RewriteJobSpec.Workers workers = job.getSpec().getWorkers() == null
                ? new RewriteJobSpec.Workers()
                : job.getSpec().getWorkers();
        workers.setImage("palimpsest/worker:dev ");
        job.getSpec().setWorkers(workers);
        var model = client.getKubernetesSerialization()
                .unmarshal(Files.newInputStream(Path.of("../examples/quickstart/model.yaml")), RewriterModel.class);
        model.getMetadata().setNamespace("test");
        model.getMetadata().setName("refused-model");
        client.resource(model).create();
        client.resource(job).create();

        RewriteJob failed = await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> client.resources(RewriteJob.class)
                                .inNamespace("test")
                                .withName("refused")
                                .get(),
                        j -> j != null && j.getStatus() != null && j.getStatus().getPhase() == JobPhase.Failed);
        var condition = ConditionAggregator.find(failed.getStatus().getConditions(), Conditions.FAILED);
        assertEquals("RejectedByApiServer", condition.getReason());
        assertTrue(
                condition.getMessage().contains("must not have leading or trailing whitespace"),
                condition.getMessage());
        assertTrue(condition.getMessage().contains("Job refused-plan"), condition.getMessage());
        String version = failed.getMetadata().getResourceVersion();
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(3))
                .until(() -> version.equals(client.resources(RewriteJob.class)
                        .inNamespace("test")
                        .withName("refused")
                        .get()
                        .getMetadata()
                        .getResourceVersion()));
        client.resources(RewriteJob.class)
                .inNamespace("test")
                .withName("refused")
                .delete();
        client.resource(model).delete();
    }
}
