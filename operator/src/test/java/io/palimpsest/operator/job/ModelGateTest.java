package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.palimpsest.api.common.SecretKeyRef;
import io.palimpsest.api.v1alpha1.ModelPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.api.v1alpha1.RewriterModelStatus;
import io.palimpsest.operator.AdmissionPolicy;
import io.palimpsest.operator.job.JobPhaseMachine.ModelState;
import io.palimpsest.operator.status.ConditionAggregator;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelGateTest {
    static final AdmissionPolicy POLICY = new AdmissionPolicy(List.of(), List.of("model-key"));

    @Test
    void aJobWithoutAModelNeedsNone() {
        RewriteJob job = TestJobs.job("j", "s3://b/in", "s3://b/out");
        job.getSpec().setModelRef(null);
        assertEquals(new ModelGate.Verdict(ModelState.USABLE, null), ModelGate.of(job, null, POLICY));
    }

    @Test
    void aMissingModelIsNotFound() {
        ModelGate.Verdict v = ModelGate.of(job(), null, POLICY);
        assertEquals(ModelState.NOT_FOUND, v.state());
        assertEquals(
                "spec.modelRef.name: RewriterModel 'mistral' not found in namespace 'test' (a RewriteJob runs on a"
                        + " RewriterModel of its own namespace; the job starts once the model is created there)",
                v.message());
    }

    /** The job checks the spec itself: the model's status may still say Ready from before the edit. */
    @Test
    void aModelThePolicyRefusesFailsWhateverItsStatusSays() {
        RewriterModel model = model("prod-openai-key");
        model.setStatus(status(ModelPhase.Ready, "EndpointHealthy", ""));
        ModelGate.Verdict v = ModelGate.of(job(), model, POLICY);
        assertEquals(ModelState.FAILED, v.state());
        assertEquals(
                "RewriterModel 'mistral' is refused by the operator's policy, no worker runs against it: "
                        + "spec.endpoint.apiKeySecretRef.name: Secret 'prod-openai-key' is not allowed by the operator's "
                        + "policy (chart value policy.allowedSecrets: model-key)",
                v.message());
    }

    @Test
    void aFailedModelFailsWithItsOwnReason() {
        RewriterModel model = model("model-key");
        model.setStatus(status(ModelPhase.Failed, "WeightDownloadFailed", "the download Job failed"));
        assertEquals(
                new ModelGate.Verdict(
                        ModelState.FAILED,
                        "RewriterModel 'mistral' has failed (WeightDownloadFailed: the download Job failed); no worker"
                                + " runs against it until it is fixed"),
                ModelGate.of(job(), model, POLICY));
    }

    @Test
    void anAllowedModelNotFailedIsUsable() {
        RewriterModel model = model("model-key");
        assertEquals(ModelState.USABLE, ModelGate.of(job(), model, POLICY).state());
        model.setStatus(status(ModelPhase.Degraded, "EndpointUnhealthy", "503"));
        assertEquals(ModelState.USABLE, ModelGate.of(job(), model, POLICY).state());
    }

    static RewriteJob job() {
        return TestJobs.job("j", "s3://b/in", "s3://b/out");
    }

    static RewriterModel model(String keySecret) {
        RewriterModel m = new RewriterModel();
        m.setMetadata(new ObjectMetaBuilder()
                .withName("mistral")
                .withNamespace("test")
                .build());
        RewriterModelSpec spec = new RewriterModelSpec();
        RewriterModelSpec.ExternalEndpoint endpoint = new RewriterModelSpec.ExternalEndpoint();
        endpoint.setUrl("https://llm.example");
        endpoint.setApiKeySecretRef(new SecretKeyRef(keySecret, "key"));
        spec.setEndpoint(endpoint);
        m.setSpec(spec);
        return m;
    }

    static RewriterModelStatus status(ModelPhase phase, String reason, String message) {
        RewriterModelStatus s = new RewriterModelStatus();
        s.setPhase(phase);
        s.setConditions(new ConditionAggregator(Clock.systemUTC())
                .from(null, 1L)
                .ready(phase == ModelPhase.Ready, reason, message)
                .build());
        return s;
    }
}
