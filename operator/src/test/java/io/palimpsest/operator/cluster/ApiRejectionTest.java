package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
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
import java.util.Map;
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
                .atMost(Duration.ofSeconds(10))
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

    /**
     * A RewriteJob holding a quantity Fabric8 cannot read ({@code 1.5e3M}: the CRD takes any string) fails
     * on its own, InvalidSpec naming the field, and does not stop the operator's informer: a job created
     * after it is still reconciled.
     */
    @Test
    void aQuantityFabric8CannotReadFailsThatJobAloneNamingTheField() throws Exception {
        var model = client.getKubernetesSerialization()
                .unmarshal(Files.newInputStream(Path.of("../examples/quickstart/model.yaml")), RewriterModel.class);
        model.getMetadata().setNamespace("test");
        model.getMetadata().setName("quantity-model");
        client.resource(model).create();
        GenericKubernetesResource unreadable = client.getKubernetesSerialization()
                .unmarshal(
                        Files.newInputStream(Path.of("../examples/quickstart/job.yaml")),
                        GenericKubernetesResource.class);
        unreadable.getMetadata().setNamespace("test");
        unreadable.getMetadata().setName("unreadable");
        Map<String, Object> spec = unreadable.get("spec");
        spec.put("modelRef", Map.of("name", "quantity-model"));
        spec.put("input", Map.of("uri", "s3://corpus/in/"));
        spec.put("output", Map.of("uri", "s3://corpus/out-unreadable/"));
        spec.put("workers", Map.of("resources", Map.of("requests", Map.of("ephemeral-storage", "1.5e3M"))));
        client.genericKubernetesResources("palimpsest.io/v1alpha1", "RewriteJob")
                .inNamespace("test")
                .resource(unreadable)
                .create();

        RewriteJob failed = await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> client.resources(RewriteJob.class)
                                .inNamespace("test")
                                .withName("unreadable")
                                .get(),
                        j -> j != null && j.getStatus() != null && j.getStatus().getPhase() == JobPhase.Failed);
        var condition = ConditionAggregator.find(failed.getStatus().getConditions(), Conditions.FAILED);
        assertEquals("InvalidSpec", condition.getReason());
        assertTrue(
                condition
                        .getMessage()
                        .contains("spec.workers.resources.requests.ephemeral-storage: Invalid value: \"1.5e3M\""),
                condition.getMessage());

        RewriteJob next = client.getKubernetesSerialization()
                .unmarshal(Files.newInputStream(Path.of("../examples/quickstart/job.yaml")), RewriteJob.class);
        next.getMetadata().setNamespace("test");
        next.getMetadata().setName("after-unreadable");
        next.getSpec().getModelRef().setName("quantity-model");
        next.getSpec().getInput().setUri("s3://corpus/in/");
        next.getSpec().getOutput().setUri("s3://corpus/out-after-unreadable/");
        client.resource(next).create();
        await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> client.resources(RewriteJob.class)
                                .inNamespace("test")
                                .withName("after-unreadable")
                                .get(),
                        j -> j != null && j.getStatus() != null && j.getStatus().getPhase() != null);
        client.resources(RewriteJob.class)
                .inNamespace("test")
                .withName("after-unreadable")
                .delete();
        client.resources(RewriteJob.class)
                .inNamespace("test")
                .withName("unreadable")
                .delete();
        client.resource(model).delete();
    }
}
