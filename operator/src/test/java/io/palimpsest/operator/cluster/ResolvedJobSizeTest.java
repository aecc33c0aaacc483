package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.status.ConditionAggregator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ConfigMap limit (1 MiB) against a recipe that does not fit. An app of its own: after a
 * RewriteJob of 1.2 MB has passed through it, the app's informers stopped delivering events from
 * the mock API server (seen here, not investigated further), which would stall the next test.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(ResolvedJobSizeTest.OwnApp.class)
class ResolvedJobSizeTest {

    public static class OwnApp implements QuarkusTestProfile {}

    @Inject
    KubernetesClient client;

    /**
     * A recipe whose resolved job does not fit in a ConfigMap (1 MiB) ends the job with a condition
     * that says so, before anything is sent: no ConfigMap, no planner Job, no further status writes.
     */
    @Test
    void aResolvedJobOverTheConfigMapLimitFailsWithAClearCondition() throws Exception {
        RewriteJob job = client.getKubernetesSerialization()
                .unmarshal(Files.newInputStream(Path.of("../examples/quickstart/job.yaml")), RewriteJob.class);
        job.getMetadata().setNamespace("test");
        job.getMetadata().setName("huge");
        job.getSpec().getModelRef().setName("huge-model");
        job.getSpec().getInput().setUri("s3://corpus/in/");
        job.getSpec().getOutput().setUri("s3://corpus/out-huge/");
        // 20 prompts, each system prompt under the CRD's 65536 characters, 1.29 MB in all: a recipe the API
        // server accepts whose resolved job is over a ConfigMap's limit
        var first = job.getSpec().getRecipe().getPrompts().get(0);
        List<PromptVariant> prompts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            PromptVariant prompt = client.getKubernetesSerialization().clone(first);
            prompt.setName("p" + i);
            prompt.setSystem("Keep every fact. ".repeat(3_800));
            prompts.add(prompt);
        }
        job.getSpec().getRecipe().setPrompts(prompts);
        var model = client.getKubernetesSerialization()
                .unmarshal(Files.newInputStream(Path.of("../examples/quickstart/model.yaml")), RewriterModel.class);
        model.getMetadata().setNamespace("test");
        model.getMetadata().setName("huge-model");
        client.resource(model).create();
        client.resource(job).create();

        RewriteJob failed = await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> client.resources(RewriteJob.class)
                                .inNamespace("test")
                                .withName("huge")
                                .get(),
                        j -> j != null && j.getStatus() != null && j.getStatus().getPhase() == JobPhase.Failed);
        var condition = ConditionAggregator.find(failed.getStatus().getConditions(), Conditions.FAILED);
        assertEquals("ResolvedJobTooLarge", condition.getReason());
        assertTrue(
                condition.getMessage().contains("over the 1048576-byte (1 MiB) limit of a ConfigMap"),
                condition.getMessage());
        assertTrue(condition.getMessage().contains("spec.recipe takes"), condition.getMessage());
        String version = failed.getMetadata().getResourceVersion();
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(10))
                .until(() -> version.equals(client.resources(RewriteJob.class)
                        .inNamespace("test")
                        .withName("huge")
                        .get()
                        .getMetadata()
                        .getResourceVersion()));
        assertEquals(
                null,
                client.configMaps().inNamespace("test").withName("huge-job").get(),
                "nothing sent");
        assertEquals(
                null,
                client.batch()
                        .v1()
                        .jobs()
                        .inNamespace("test")
                        .withName("huge-plan")
                        .get(),
                "nothing created");
        client.resources(RewriteJob.class).inNamespace("test").withName("huge").delete();
        client.resource(model).delete();
    }
}
