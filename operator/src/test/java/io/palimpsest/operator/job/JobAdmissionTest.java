package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.common.SecretKeyRef;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.ModelPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.api.v1alpha1.RewriterModelStatus;
import io.palimpsest.operator.PalimpsestConfig;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.status.ConditionAggregator;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the operator's admission policy lets a RewriteJob make, against the mock API server, one
 * fresh reconcile at a time: the policy holds for every object made from the job's spec at the
 * time it is made, not only when the job was first looked at.
 */
@EnableKubernetesMockClient(crud = true)
class JobAdmissionTest {
    static final String NS = "test";
    static final String ALLOWED = "registry.example/palimpsest/worker:1.0";
    static final String FORBIDDEN = "evil.example/miner:latest";

    KubernetesClient client;
    KubernetesMockServer server;
    JobControllerMoves moves;
    final MutableClock clock = new MutableClock(Instant.now());
    final PalimpsestConfig config = TestSettings.config(
            "registry.example/palimpsest/worker:default",
            List.of("registry.example/palimpsest/*"),
            List.of("corpus-rw", "model-key"));

    @BeforeEach
    void setUp() throws Exception {
        ValidatingApiServer.installForCustomResources(server, List.of());
        new FreshReconciles(client, clock).install("m");
        moves = new JobControllerMoves(client, NS);
        RewriteJob job = TestJobs.job("ad", "s3://corpus/in", "s3://corpus/out");
        job.getSpec().getModelRef().setName("m");
        RewriteJobSpec.Workers workers = new RewriteJobSpec.Workers();
        workers.setParallelism(new IntOrString(4));
        workers.setImage(ALLOWED);
        job.getSpec().setWorkers(workers);
        client.resource(job).create();
    }

    /**
     * A job created with an allowed image, then edited to a forbidden one while it plans: the
     * worker Job is not made from the edited spec; the job says why (Ready False, InvalidSpec,
     * the field named) and a Warning Event says it once. Fixed, the job goes on with the fixed image.
     */
    @Test
    void anImageEditedWhileTheJobPlansIsCheckedBeforeTheWorkerJobIsMade() {
        reconcile();
        assertEquals(JobPhase.Planning, status().getPhase());
        assertEquals(ALLOWED, image(moves.job("ad-plan")));

        editSpec(s -> {
            s.getWorkers().setImage(FORBIDDEN);
            s.getWorkers().setImagePullSecrets(List.of(new LocalObjectReference("someone-elses-registry")));
            return s;
        });
        moves.plannerSucceeds("ad-plan", 10);
        reconcile();
        reconcile();
        assertNull(moves.job("ad-work"), "no worker Job from a spec the policy refuses");
        RewriteJobStatus held = status();
        assertEquals(JobPhase.Running, held.getPhase());
        var ready = ConditionAggregator.find(held.getConditions(), Conditions.READY);
        assertEquals("False", ready.getStatus());
        assertEquals("InvalidSpec", ready.getReason());
        assertTrue(
                ready.getMessage().contains("spec.workers.image: image '" + FORBIDDEN + "' is not allowed"),
                ready.getMessage());
        assertTrue(ready.getMessage().contains("spec.workers.imagePullSecrets[0].name"), ready.getMessage());
        List<Event> warnings = warnings("InvalidSpec");
        assertEquals(1, warnings.size(), "one Event, not one per reconcile");
        assertTrue(
                warnings.get(0).getMessage().contains("spec.workers.image"),
                warnings.get(0).getMessage());

        editSpec(s -> {
            s.getWorkers().setImage(ALLOWED);
            s.getWorkers().setImagePullSecrets(null);
            return s;
        });
        reconcile();
        Job worker = moves.job("ad-work");
        assertNotNull(worker);
        assertEquals(ALLOWED, image(worker));
        assertEquals(
                "Running",
                ConditionAggregator.find(status().getConditions(), Conditions.READY)
                        .getReason());
    }

    /** The tally and a planner made again after a lost count are checked alike. */
    @Test
    void aTallyIsNotMadeFromAForbiddenImage() {
        reconcile();
        moves.plannerSucceeds("ad-plan", 2);
        reconcile();
        assertNotNull(moves.job("ad-work"));
        // The shards finish with no summary to count: a tally is needed.
        moves.workerStatus("ad-work", "0-1", "", 0);
        moves.finish("ad-work", "Complete", null);
        editSpec(s -> {
            s.getWorkers().setImage(FORBIDDEN);
            return s;
        });
        clock.advance(java.time.Duration.ofMinutes(5));
        reconcile();
        assertNull(moves.job("ad-tally"));
        assertEquals(
                "InvalidSpec",
                ConditionAggregator.find(status().getConditions(), Conditions.READY)
                        .getReason());
    }

    /**
     * A model whose endpoint names a Secret the policy refuses: its key would go to whatever URL the
     * model names, as the workers' bearer token. The job waits before planning (Ready False,
     * ModelFailed, naming the model and the field), runs once the model is fixed, and holds its
     * workers at 0 when the model is edited back.
     */
    @Test
    void aModelThePolicyRefusesRunsNoWorker() {
        editModel(m -> {
            m.getSpec().setEndpoint(endpoint("prod-openai-key"));
            return m;
        });
        reconcile();
        RewriteJobStatus waiting = status();
        assertEquals(JobPhase.Pending, waiting.getPhase());
        var ready = ConditionAggregator.find(waiting.getConditions(), Conditions.READY);
        assertEquals("False", ready.getStatus());
        assertEquals("ModelFailed", ready.getReason());
        assertTrue(
                ready.getMessage().startsWith("RewriterModel 'm' is refused by the operator's policy"),
                ready.getMessage());
        assertTrue(
                ready.getMessage().contains("spec.endpoint.apiKeySecretRef.name: Secret 'prod-openai-key'"),
                ready.getMessage());
        assertNull(moves.job("ad-plan"));
        assertEquals(1, warnings("ModelFailed").size());

        editModel(m -> {
            m.getSpec().setEndpoint(endpoint("model-key"));
            return m;
        });
        reconcile();
        moves.plannerSucceeds("ad-plan", 10);
        reconcile();
        Job worker = moves.job("ad-work");
        assertEquals(4, worker.getSpec().getParallelism());
        assertEquals(
                "model-key",
                worker.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                        .filter(e ->
                                e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
                        .findFirst()
                        .orElseThrow()
                        .getValueFrom()
                        .getSecretKeyRef()
                        .getName());

        editModel(m -> {
            m.getSpec().setEndpoint(endpoint("prod-openai-key"));
            return m;
        });
        reconcile();
        assertEquals(0, moves.job("ad-work").getSpec().getParallelism());
        RewriteJobStatus held = status();
        assertEquals(JobPhase.Running, held.getPhase());
        assertEquals(
                "ModelFailed",
                ConditionAggregator.find(held.getConditions(), Conditions.READY).getReason());
    }

    /**
     * A model whose status is Failed serves nothing (its Service may never have been made): with
     * auto parallelism the job used to report Running, Ready "starting", forever; now it waits
     * with the model's own reason, and goes on once the model recovers.
     */
    @Test
    void aFailedModelIsNotReadyForTheJob() {
        editSpec(s -> {
            s.getWorkers().setParallelism(null);
            return s;
        });
        modelStatus(ModelPhase.Failed, "WeightDownloadFailed", "the weight download Job m-download-1a2b failed", 0);
        reconcile();
        RewriteJobStatus waiting = status();
        assertEquals(JobPhase.Pending, waiting.getPhase());
        var ready = ConditionAggregator.find(waiting.getConditions(), Conditions.READY);
        assertEquals("False", ready.getStatus());
        assertEquals("ModelFailed", ready.getReason());
        assertEquals(
                "RewriterModel 'm' has failed (WeightDownloadFailed: the weight download Job m-download-1a2b failed);"
                        + " no worker runs against it until it is fixed",
                ready.getMessage());
        assertNull(moves.job("ad-plan"));

        modelStatus(ModelPhase.Ready, "ReplicasReady", "1/1 replicas ready", 1);
        reconcile();
        assertEquals(JobPhase.Planning, status().getPhase());
        moves.plannerSucceeds("ad-plan", 10);
        reconcile();
        assertTrue(moves.job("ad-work").getSpec().getParallelism() > 0);

        // Failed under a running job (explicit parallelism alike): the workers are held at 0.
        modelStatus(ModelPhase.Failed, "InvalidSpec", "spec.engine.env[1].name: Duplicate value", 0);
        reconcile();
        assertEquals(0, moves.job("ad-work").getSpec().getParallelism());
        assertEquals(
                "ModelFailed",
                ConditionAggregator.find(status().getConditions(), Conditions.READY)
                        .getReason());
    }

    // --- helpers

    static RewriterModelSpec.ExternalEndpoint endpoint(String secret) {
        RewriterModelSpec.ExternalEndpoint endpoint = new RewriterModelSpec.ExternalEndpoint();
        endpoint.setUrl("https://llm.example");
        endpoint.setApiKeySecretRef(new SecretKeyRef(secret, "key"));
        return endpoint;
    }

    void editModel(UnaryOperator<RewriterModel> edit) {
        RewriterModel m = client.resources(RewriterModel.class)
                .inNamespace(NS)
                .withName("m")
                .get();
        client.resource(edit.apply(m)).update();
    }

    void modelStatus(ModelPhase phase, String reason, String message, int ready) {
        RewriterModel m = client.resources(RewriterModel.class)
                .inNamespace(NS)
                .withName("m")
                .get();
        RewriterModelStatus status = new RewriterModelStatus();
        status.setPhase(phase);
        status.setReadyReplicas(ready);
        status.setConditions(new ConditionAggregator(clock)
                .from(null, 1L)
                .ready(phase == ModelPhase.Ready, reason, message)
                .build());
        m.setStatus(status);
        client.resource(m).updateStatus();
    }

    void reconcile() {
        FreshReconcile.of(client, NS, "ad", clock, config);
    }

    void editSpec(UnaryOperator<RewriteJobSpec> edit) {
        RewriteJob job = client.resources(RewriteJob.class)
                .inNamespace(NS)
                .withName("ad")
                .get();
        job.setSpec(edit.apply(job.getSpec()));
        job.getMetadata()
                .setGeneration(
                        job.getMetadata().getGeneration() == null
                                ? 2
                                : job.getMetadata().getGeneration() + 1);
        client.resource(job).update();
    }

    RewriteJobStatus status() {
        return client.resources(RewriteJob.class)
                .inNamespace(NS)
                .withName("ad")
                .get()
                .getStatus();
    }

    List<Event> warnings(String reason) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "Warning".equals(e.getType()) && reason.equals(e.getReason()))
                .toList();
    }

    static String image(Job job) {
        return job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }
}
