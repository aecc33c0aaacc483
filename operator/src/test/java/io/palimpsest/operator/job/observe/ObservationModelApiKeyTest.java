package io.palimpsest.operator.job.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.palimpsest.api.common.SecretKeyRef;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.job.TestJobs;
import io.palimpsest.operator.job.TestSettings;
import io.palimpsest.operator.job.resources.WorkerPodTemplate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The key a job's worker pods send to its model ({@link Observation#modelApiKey}). */
class ObservationModelApiKeyTest {

    @Test
    void aModelTheOperatorRunsGivesItsWorkersTheKeyOfItsOwnSecret() {
        RewriterModel model = model("mistral", null);
        SecretKeyRef ref = seen(model).modelApiKey();
        assertEquals("mistral-vllm-api-key", ref.getName());
        assertEquals("api-key", ref.getKey());

        RewriteJob job = TestJobs.job("j", "s3://in/", "s3://out/");
        var env = WorkerPodTemplate.build(job, "work", "img", ref, java.util.Map.of(), new TestSettings(), List.of())
                .getSpec()
                .getContainers()
                .get(0)
                .getEnv()
                .stream()
                .filter(e -> e.getName().equals(WorkerPodTemplate.MODEL_API_KEY_ENV))
                .findFirst()
                .orElseThrow();
        assertNull(env.getValue(), "never in clear in the pod spec");
        assertEquals(
                "mistral-vllm-api-key", env.getValueFrom().getSecretKeyRef().getName());
        assertEquals("api-key", env.getValueFrom().getSecretKeyRef().getKey());
    }

    @Test
    void anExternalEndpointKeepsItsOwnKeyOrNone() {
        RewriterModelSpec.ExternalEndpoint keyed = new RewriterModelSpec.ExternalEndpoint();
        keyed.setUrl("https://gateway.example");
        keyed.setApiKeySecretRef(new SecretKeyRef("gateway-key", "key"));
        assertEquals("gateway-key", seen(model("ext", keyed)).modelApiKey().getName());
        RewriterModelSpec.ExternalEndpoint open = new RewriterModelSpec.ExternalEndpoint();
        open.setUrl("https://gateway.example");
        assertNull(seen(model("ext", open)).modelApiKey());
        assertNull(seen(null).modelApiKey());
    }

    private static RewriterModel model(String name, RewriterModelSpec.ExternalEndpoint endpoint) {
        RewriterModel model = new RewriterModel();
        model.setMetadata(
                new ObjectMetaBuilder().withName(name).withNamespace("test").build());
        model.setSpec(new RewriterModelSpec());
        model.getSpec().setEndpoint(endpoint);
        return model;
    }

    private static Observation seen(RewriterModel model) {
        RewriteJob job = TestJobs.job("j", "s3://in/", "s3://out/");
        return new Observation(
                job,
                model,
                null,
                List.of(),
                List.of(),
                null,
                null,
                null,
                List.of(),
                null,
                false,
                null,
                null,
                null,
                null,
                null,
                List.of(job),
                new TestSettings());
    }
}
