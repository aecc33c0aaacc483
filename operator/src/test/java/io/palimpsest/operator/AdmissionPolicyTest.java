package io.palimpsest.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.palimpsest.api.common.SecretKeyRef;
import io.palimpsest.api.common.SecretRef;
import io.palimpsest.api.lint.FieldError;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdmissionPolicyTest {

    static final AdmissionPolicy POLICY = new AdmissionPolicy(
            List.of("registry.example/palimpsest/worker:1.2.0", "registry.example/vllm/*"),
            List.of("corpus-creds", "hf-token"));

    @Test
    void imagesExactOrByPrefix() {
        record Row(String image, boolean allowed) {}
        for (Row row : List.of(
                new Row("registry.example/palimpsest/worker:1.2.0", true),
                new Row("registry.example/palimpsest/worker:1.2.1", false),
                new Row("registry.example/vllm/vllm-openai:v0.11.0", true),
                new Row("registry.example/vllmx/vllm-openai:v0.11.0", false),
                new Row("docker.io/attacker/miner:latest", false))) {
            assertEquals(row.allowed(), POLICY.imageAllowed(row.image()), row.toString());
        }
        assertTrue(AdmissionPolicy.allowAll().imageAllowed("anything:at-all"));
        assertTrue(AdmissionPolicy.allowAll().secretAllowed("any-secret"));
    }

    @Test
    void aJobIsCheckedOnWhatItNamesItself() {
        RewriteJob job = new RewriteJob();
        job.setMetadata(
                new ObjectMetaBuilder().withName("j").withNamespace("ns").build());
        RewriteJobSpec spec = new RewriteJobSpec();
        RewriteJobSpec.Workers workers = new RewriteJobSpec.Workers();
        workers.setImage("docker.io/attacker/miner:latest");
        workers.setImagePullSecrets(List.of(new LocalObjectReference("regcred")));
        spec.setWorkers(workers);
        RewriteJobSpec.Input input = new RewriteJobSpec.Input();
        input.setCredentialsSecretRef(new SecretRef("corpus-creds"));
        spec.setInput(input);
        RewriteJobSpec.Output output = new RewriteJobSpec.Output();
        output.setCredentialsSecretRef(new SecretRef("admin-creds"));
        spec.setOutput(output);
        job.setSpec(spec);

        List<String> fields = POLICY.check(job).stream().map(FieldError::field).toList();
        assertEquals(
                List.of(
                        "spec.workers.image",
                        "spec.workers.imagePullSecrets[0].name",
                        "spec.output.credentialsSecretRef.name"),
                fields);
        assertEquals(List.of(), AdmissionPolicy.allowAll().check(job));
        String message = FieldError.describe(POLICY.check(job));
        assertTrue(
                message.contains(
                        "image 'docker.io/attacker/miner:latest' is not allowed by the operator's policy (chart value "
                                + "policy.allowedImages: registry.example/palimpsest/worker:1.2.0, registry.example/vllm/*)"),
                message);
    }

    @Test
    void aModelIsCheckedOnItsImageAndEverySecretItReferences() {
        RewriterModel model = new RewriterModel();
        model.setMetadata(
                new ObjectMetaBuilder().withName("m").withNamespace("ns").build());
        RewriterModelSpec spec = new RewriterModelSpec();
        RewriterModelSpec.Engine engine = new RewriterModelSpec.Engine();
        engine.setImage("registry.example/vllm/vllm-openai:v0.11.0");
        engine.setEnv(List.of(
                new EnvVarBuilder().withName("PLAIN").withValue("x").build(),
                new EnvVarBuilder()
                        .withName("STOLEN")
                        .withNewValueFrom()
                        .withNewSecretKeyRef("key", "cluster-admin-token", false)
                        .endValueFrom()
                        .build()));
        spec.setEngine(engine);
        RewriterModelSpec.ModelSource source = new RewriterModelSpec.ModelSource();
        RewriterModelSpec.HuggingFaceSource hf = new RewriterModelSpec.HuggingFaceSource();
        hf.setRepo("org/model");
        hf.setTokenSecretRef(new SecretKeyRef("hf-token", "token"));
        source.setHuggingFace(hf);
        spec.setSource(source);
        model.setSpec(spec);

        assertEquals(
                List.of("spec.engine.env[1].valueFrom.secretKeyRef.name"),
                POLICY.check(model).stream().map(FieldError::field).toList());
    }

    @Test
    void serviceAccountsAreCheckedOnJobsAndModelsWhenListed() {
        AdmissionPolicy policy = new AdmissionPolicy(List.of(), List.of(), List.of("palimpsest-workers"));
        RewriteJob job = new RewriteJob();
        job.setMetadata(
                new ObjectMetaBuilder().withName("j").withNamespace("ns").build());
        RewriteJobSpec spec = new RewriteJobSpec();
        RewriteJobSpec.Workers workers = new RewriteJobSpec.Workers();
        workers.setServiceAccountName("s3-admin");
        spec.setWorkers(workers);
        job.setSpec(spec);
        RewriterModel model = new RewriterModel();
        model.setMetadata(
                new ObjectMetaBuilder().withName("m").withNamespace("ns").build());
        RewriterModelSpec modelSpec = new RewriterModelSpec();
        modelSpec.setServiceAccountName("s3-admin");
        model.setSpec(modelSpec);

        assertEquals(
                List.of("spec.workers.serviceAccountName"),
                policy.check(job).stream().map(FieldError::field).toList());
        assertEquals(
                List.of("spec.serviceAccountName"),
                policy.check(model).stream().map(FieldError::field).toList());
        String message = FieldError.describe(policy.check(job));
        assertTrue(
                message.contains("service account 's3-admin' is not allowed by the operator's policy (chart value "
                        + "policy.allowedServiceAccounts: palimpsest-workers)"),
                message);

        workers.setServiceAccountName("palimpsest-workers");
        assertEquals(List.of(), policy.check(job));
        // images and Secrets listed, service accounts not: any is allowed
        assertEquals(List.of(), POLICY.check(model));
    }
}
