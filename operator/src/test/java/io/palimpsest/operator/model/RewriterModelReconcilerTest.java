package io.palimpsest.operator.model;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.MeterRegistry;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.common.Scheduling;
import io.palimpsest.api.lint.NameLimits;
import io.palimpsest.api.v1alpha1.ModelPhase;
import io.palimpsest.api.v1alpha1.ModelReason;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.cluster.FaultyApiServer;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.job.PreviewJob;
import io.palimpsest.operator.job.TestJobs;
import io.palimpsest.operator.job.TestSettings;
import io.palimpsest.operator.job.resources.WorkerJob;
import io.palimpsest.operator.model.resources.KedaScaledObject;
import io.palimpsest.operator.model.resources.ModelApiKey;
import io.palimpsest.operator.status.ConditionAggregator;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The RewriterModel reconciler against the mock API server: what it creates, updates, and leaves alone.
 * The server refuses (422) what a real one refuses ({@link ValidatingApiServer}), such as a changed Job
 * template or a shrunk claim, so an update a cluster would refuse fails here too.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RewriterModelReconcilerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @KubernetesTestServer
    KubernetesServer server;

    @Inject
    KubernetesClient client;

    @Inject
    MeterRegistry registry;

    @Test
    void rendersDeploymentServiceCacheAndDownloadJob() {
        RewriterModel model = client.resource(Models.huggingFace("mistral-a")).create();

        Job job = awaitValue(() -> jobs("mistral-a").stream().findFirst().orElse(null));
        Container download =
                job.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("hf", download.getCommand().get(0));
        assertEquals(
                List.of("download", "mistralai/Mistral-7B-Instruct-v0.3", "--revision", "e0bc86c"), download.getArgs());
        assertEquals(
                "hf-token",
                envVar(download, "HF_TOKEN").getValueFrom().getSecretKeyRef().getName());
        assertEquals("/cache/hf", envVar(download, "HF_HOME").getValue());

        PersistentVolumeClaim pvc = awaitValue(() ->
                client.persistentVolumeClaims().withName("mistral-a-weights").get());
        assertEquals(
                new Quantity("50Gi"), pvc.getSpec().getResources().getRequests().get("storage"));
        assertEquals("fast-rwx", pvc.getSpec().getStorageClassName());

        Deployment d = awaitValue(
                () -> client.apps().deployments().withName("mistral-a-vllm").get());
        assertEquals(0, d.getSpec().getReplicas(), "no replica before the weights are on the cache");
        awaitModel("mistral-a", m -> m.getStatus() != null && m.getStatus().getPhase() == ModelPhase.Loading);

        PodSpec pod = d.getSpec().getTemplate().getSpec();
        Container vllm = pod.getContainers().get(0);
        assertEquals(List.of("vllm", "serve"), vllm.getCommand());
        List<String> args = vllm.getArgs();
        assertEquals("mistralai/Mistral-7B-Instruct-v0.3", args.get(0));
        assertFlag(args, "--revision", "e0bc86c");
        assertFlag(args, "--tensor-parallel-size", "2");
        assertFlag(args, "--max-model-len", "8192");
        assertFlag(args, "--gpu-memory-utilization", "0.9");
        assertFlag(args, "--max-num-seqs", "128");
        assertFlag(args, "--max-num-batched-tokens", "16384");
        assertFlag(args, "--served-model-name", "mistral");
        assertFlag(args, "--port", "8000");
        assertTrue(args.contains("--enable-prefix-caching"));
        assertEquals("--disable-log-requests", args.get(args.size() - 1), "extra args come last");
        assertEquals(8000, vllm.getPorts().get(0).getContainerPort());
        assertEquals(
                new Quantity("2"),
                vllm.getResources().getLimits().get("nvidia.com/gpu"),
                "GPUs = tensor parallel size");
        assertEquals(new Quantity("2"), vllm.getResources().getRequests().get("nvidia.com/gpu"));
        assertEquals(new Quantity("64Gi"), vllm.getResources().getLimits().get("memory"));
        assertEquals("/health", vllm.getStartupProbe().getHttpGet().getPath());
        assertTrue(
                vllm.getStartupProbe().getPeriodSeconds()
                                * vllm.getStartupProbe().getFailureThreshold()
                        >= 600,
                "startup budget of ten minutes of model load");
        assertEquals("/health", vllm.getReadinessProbe().getHttpGet().getPath());
        assertEquals("/health", vllm.getLivenessProbe().getHttpGet().getPath());
        assertEquals(
                "token",
                envVar(vllm, "HF_TOKEN").getValueFrom().getSecretKeyRef().getKey());
        assertEquals("/cache/hf", envVar(vllm, "HF_HOME").getValue());
        assertEquals("1", envVar(vllm, "HF_HUB_OFFLINE").getValue());
        var shm = pod.getVolumes().stream()
                .filter(v -> v.getName().equals("dshm"))
                .findFirst()
                .orElseThrow();
        assertEquals("Memory", shm.getEmptyDir().getMedium());
        assertEquals(new Quantity("8Gi"), shm.getEmptyDir().getSizeLimit());
        assertTrue(
                vllm.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/dev/shm")));
        assertEquals(
                "mistral-a-weights",
                pod.getVolumes().stream()
                        .filter(v -> v.getPersistentVolumeClaim() != null)
                        .findFirst()
                        .orElseThrow()
                        .getPersistentVolumeClaim()
                        .getClaimName());
        assertEquals(Map.of("gpu", "a100"), pod.getNodeSelector());
        assertEquals("batch-low", pod.getPriorityClassName());
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertEquals(
                "RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
        assertFalse(vllm.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), vllm.getSecurityContext().getCapabilities().getDrop());

        Service svc =
                awaitValue(() -> client.services().withName("mistral-a-vllm").get());
        assertEquals("ClusterIP", svc.getSpec().getType());
        assertEquals(8000, svc.getSpec().getPorts().get(0).getPort());
        assertEquals(d.getSpec().getSelector().getMatchLabels(), svc.getSpec().getSelector());
        // Headless: its DNS name answers with every ready replica, for the workers to place requests themselves.
        Service replicas = awaitValue(
                () -> client.services().withName("mistral-a-vllm-replicas").get());
        assertEquals("None", replicas.getSpec().getClusterIP());
        assertEquals(Boolean.FALSE, replicas.getSpec().getPublishNotReadyAddresses());
        assertEquals(svc.getSpec().getSelector(), replicas.getSpec().getSelector());
        assertEquals(svc.getSpec().getPorts(), replicas.getSpec().getPorts());
        assertEquals(
                ModelNames.COMPONENT_REPLICAS,
                replicas.getMetadata().getLabels().get(ModelNames.COMPONENT_LABEL));

        for (HasMetadata owned : List.of(job, pvc, d, svc, replicas)) {
            assertOwnedBy(owned, model);
        }

        // The Job controller finishes the download (the mock server has none): replicas start.
        job.setStatus(new JobStatusBuilder()
                .withSucceeded(1)
                .withConditions(new JobConditionBuilder()
                        .withType("Complete")
                        .withStatus("True")
                        .build())
                .build());
        client.resource(job).updateStatus();
        awaitDeploymentReplicas("mistral-a-vllm", 1);
        RewriterModel m = awaitModel(
                "mistral-a",
                x -> x.getStatus().getDesiredReplicas() == 1 && x.getStatus().getPhase() == ModelPhase.Loading);
        assertEquals("http://mistral-a-vllm.test.svc:8000", m.getStatus().getEndpoint());
        assertEquals(m.getMetadata().getGeneration(), m.getStatus().getObservedGeneration());
        assertFalse(ConditionAggregator.isTrue(m.getStatus().getConditions(), Conditions.READY));

        // Deployment controller's part: the replica turns ready.
        Deployment current =
                client.apps().deployments().withName("mistral-a-vllm").get();
        current.setStatus(new DeploymentStatusBuilder()
                .withReplicas(1)
                .withReadyReplicas(1)
                .withAvailableReplicas(1)
                .build());
        client.resource(current).updateStatus();
        RewriterModel ready = awaitModel("mistral-a", x -> x.getStatus().getPhase() == ModelPhase.Ready);
        assertTrue(ConditionAggregator.isTrue(ready.getStatus().getConditions(), Conditions.READY));
        assertEquals(1, ready.getStatus().getReadyReplicas());
        assertTrue(
                client.v1().events().list().getItems().stream()
                        .anyMatch(e ->
                                "mistral-a".equals(e.getInvolvedObject().getName()) && "Scaled".equals(e.getReason())),
                "an Event on scaling");
    }

    @Test
    void aNameTooLongForTheHeadlessServiceIsAnInvalidSpecAndNothingIsMade() {
        String name = "m".repeat(NameLimits.MAX_LABEL - "-vllm-replicas".length() + 1);
        client.resource(Models.onPvc(name, 1, 1)).create();
        RewriterModel failed =
                awaitModel(name, m -> m.getStatus() != null && m.getStatus().getPhase() == ModelPhase.Failed);
        var degraded = ConditionAggregator.find(failed.getStatus().getConditions(), Conditions.DEGRADED);
        assertEquals(ModelReason.InvalidSpec.name(), degraded.getReason());
        assertTrue(degraded.getMessage().startsWith("metadata.name: at most 49 characters"), degraded.getMessage());
        assertNull(client.apps().deployments().withName(name + "-vllm").get());
        assertNull(client.services().withName(name + "-vllm").get());
    }

    @Test
    void aVariableSetTwiceInTheEngineEnvIsAnInvalidSpecAndNothingIsMade() {
        RewriterModel model = Models.onPvc("mistral-v", 1, 1);
        model.getSpec()
                .getEngine()
                .setEnv(List.of(
                        new EnvVar("VLLM_LOGGING_LEVEL", "DEBUG", null),
                        new EnvVar("VLLM_LOGGING_LEVEL", "INFO", null)));
        client.resource(model).create();
        RewriterModel failed = awaitModel(
                "mistral-v", m -> m.getStatus() != null && m.getStatus().getPhase() == ModelPhase.Failed);
        var degraded = ConditionAggregator.find(failed.getStatus().getConditions(), Conditions.DEGRADED);
        assertEquals(ModelReason.InvalidSpec.name(), degraded.getReason());
        assertTrue(
                degraded.getMessage().startsWith("spec.engine.env[1].name: Duplicate value: \"VLLM_LOGGING_LEVEL\""),
                degraded.getMessage());
        assertNull(client.apps().deployments().withName("mistral-v-vllm").get());
    }

    /**
     * A call the operator's role does not allow (403 on the Deployment's create) is reported in the model's
     * conditions, naming verb and resource, with one Warning Event and one status write however often it is
     * tried again; nothing is told as scaled before the Deployment took it; once allowed, the model goes on.
     */
    @Test
    void aDeploymentWriteTheRoleDoesNotAllowIsReportedUntilItIsAllowed() {
        try (FaultyApiServer api = FaultyApiServer.install(server.getKubernetesMockServer())) {
            AtomicInteger refused = api.inject(
                    r -> r.namespace() != null
                            && (r.is("create", "deployments")
                                    || r.is("update", "deployments")
                                    || r.is("patch", "deployments")),
                    10_000,
                    FaultyApiServer.status(403));
            client.resource(Models.onPvc("denied", 1, 1)).create();

            RewriterModel degraded = awaitModel("denied", m -> m.getStatus().getPhase() == ModelPhase.Degraded);
            var ready = ConditionAggregator.find(degraded.getStatus().getConditions(), Conditions.READY);
            var why = ConditionAggregator.find(degraded.getStatus().getConditions(), Conditions.DEGRADED);
            assertEquals("False", ready.getStatus());
            assertEquals(ModelReason.Forbidden.name(), ready.getReason());
            assertEquals(ModelReason.Forbidden.name(), why.getReason());
            assertEquals("True", why.getStatus());
            assertTrue(
                    why.getMessage()
                            .startsWith("the operator's role lacks create on deployments.apps in namespace test"),
                    why.getMessage());
            assertTrue(why.getMessage().contains("templates/rbac.yaml"), why.getMessage());
            assertNotNull(registry.find("palimpsest.model.phase")
                    .tags("model", "denied", "phase", "Degraded")
                    .gauge());

            String version = degraded.getMetadata().getResourceVersion();
            int before = refused.get();
            await().atMost(Duration.ofSeconds(40)).until(() -> refused.get() > before); // tried again
            assertEquals(
                    version,
                    client.resources(RewriterModel.class)
                            .withName("denied")
                            .get()
                            .getMetadata()
                            .getResourceVersion(),
                    "the same refusal is not written again");
            assertEquals(1, modelEvents("denied", "Forbidden").size(), "one Warning per refusal, not per try");
            assertEquals("Warning", modelEvents("denied", "Forbidden").get(0).getType());
            assertTrue(modelEvents("denied", ModelEvents.SCALED).isEmpty(), "nothing scaled while refused");

            api.clearFaults();
            awaitValue(() -> client.apps().deployments().withName("denied-vllm").get());
            RewriterModel recovered = awaitModel("denied", m -> !ModelReason.Forbidden.name()
                    .equals(ConditionAggregator.find(m.getStatus().getConditions(), Conditions.DEGRADED)
                            .getReason()));
            assertTrue(
                    recovered.getStatus().getPhase() != ModelPhase.Degraded,
                    recovered.getStatus().toString());
            await().atMost(WAIT)
                    .until(() -> modelEvents("denied", ModelEvents.SCALED).size() == 1);
            assertEquals(1, modelEvents("denied", "Forbidden").size());
        }
    }

    /**
     * A Deployment the API server cannot decode (400: a body refused before validation, as a quantity like
     * {@code 8GB} in a pod template is, or an admission webhook's denial without a code) is refused again
     * however often it is sent: the model fails with the server's message naming the Deployment, written
     * once with one Warning Event, rather than the create being retried forever.
     */
    @Test
    void aDeploymentTheApiServerCannotDecodeFailsTheModelOnce() {
        String decode = "Deployment in version \"v1\" cannot be handled as a Deployment: quantities must match the"
                + " regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
        try (FaultyApiServer api = FaultyApiServer.install(server.getKubernetesMockServer())) {
            AtomicInteger refused = api.inject(
                    r -> r.namespace() != null
                            && (r.is("create", "deployments")
                                    || r.is("update", "deployments")
                                    || r.is("patch", "deployments")),
                    10_000,
                    FaultyApiServer.status(400, decode));
            client.resource(Models.onPvc("undecodable", 1, 1)).create();

            RewriterModel failed = awaitModel(
                    "undecodable", m -> m.getStatus() != null && m.getStatus().getPhase() == ModelPhase.Failed);
            var degraded = ConditionAggregator.find(failed.getStatus().getConditions(), Conditions.DEGRADED);
            assertEquals(ModelReason.RejectedByApiServer.name(), degraded.getReason());
            assertTrue(
                    degraded.getMessage()
                            .startsWith("the API server refused to create Deployment undecodable-vllm: " + decode),
                    degraded.getMessage());
            String version = failed.getMetadata().getResourceVersion();
            int tries = refused.get();
            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> version.equals(client.resources(RewriterModel.class)
                            .withName("undecodable")
                            .get()
                            .getMetadata()
                            .getResourceVersion()));
            assertTrue(refused.get() <= tries + 1, "not retried in a loop: " + tries + " then " + refused.get());
            assertEquals(
                    1,
                    modelEvents("undecodable", ModelReason.RejectedByApiServer.name())
                            .size());
        }
    }

    /**
     * A model deleted while its status write is refused (403: the role lacks rewritermodels/status) leaves
     * nothing behind: the refusal the reconciler keeps (so it is told once) goes with the model, though no
     * finalizer tells of the deletion.
     */
    @Test
    void aModelDeletedWhileItsStatusWriteIsRefusedLeavesNoEntry() {
        RewriterModelReconciler reconciler = ClientProxy.unwrap(
                Arc.container().instance(RewriterModelReconciler.class).get());
        try (FaultyApiServer api = FaultyApiServer.install(server.getKubernetesMockServer())) {
            api.inject(
                    r -> "refused-status".equals(r.name())
                            && (r.is("update", "rewritermodels/status") || r.is("patch", "rewritermodels/status")),
                    10_000,
                    FaultyApiServer.status(403));
            RewriterModel model =
                    client.resource(Models.onPvc("refused-status", 1, 1)).create();
            ResourceID id = ResourceID.fromResource(model);
            await().atMost(WAIT)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> reconciler.refusedStatusWrites().contains(id));
            // the refusal is recorded before its Event is written: waited for, not taken as written already
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> !modelEvents(
                            "refused-status", ModelReason.Forbidden.name())
                    .isEmpty());
            assertEquals(
                    1,
                    modelEvents("refused-status", ModelReason.Forbidden.name()).size());

            client.resource(model).delete();
            await().atMost(WAIT)
                    .until(() -> client.resources(RewriterModel.class)
                                    .withName("refused-status")
                                    .get()
                            == null);
            await().atMost(WAIT)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !reconciler.refusedStatusWrites().contains(id));
        }
    }

    /**
     * A status the installed CRD's schema refuses (422) is told at once by one Warning Event with the server's
     * message, not thrown into the framework's retry nor waited on for a new resourceVersion.
     */
    @Test
    void aModelStatusTheCrdSchemaRefusesIsToldOnceAtOnce() {
        String invalid = "RewriterModel.palimpsest.io \"invalid-status\" is invalid: status.phase: Unsupported value";
        RewriterModelReconciler reconciler = ClientProxy.unwrap(
                Arc.container().instance(RewriterModelReconciler.class).get());
        try (FaultyApiServer api = FaultyApiServer.install(server.getKubernetesMockServer())) {
            api.inject(
                    r -> "invalid-status".equals(r.name())
                            && (r.is("update", "rewritermodels/status") || r.is("patch", "rewritermodels/status")),
                    10_000,
                    FaultyApiServer.status(422, invalid));
            RewriterModel model =
                    client.resource(Models.onPvc("invalid-status", 1, 1)).create();
            ResourceID id = ResourceID.fromResource(model);
            await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> reconciler.refusedStatusWrites().contains(id));
            // the refusal is recorded before its Event is written: waited for, not taken as written already
            await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !modelEvents("invalid-status", ModelReason.RejectedByApiServer.name())
                            .isEmpty());
            List<Event> warnings = modelEvents("invalid-status", ModelReason.RejectedByApiServer.name());
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(
                    warnings.get(0).getMessage().contains(invalid),
                    warnings.get(0).getMessage());
            client.resource(model).delete();
        }
    }

    /**
     * An object the API server refuses as invalid (422, here from an admission step the operator's own checks
     * cannot know: ModelSpecRules refuses what the API server's validation would before anything is made) fails a
     * model with no replica, with the server's message naming the field, written once with one Warning Event;
     * a spec edited after the refusal is tried again, and brings the model on once the server takes it.
     */
    @Test
    void aDeploymentTheApiServerRefusesFailsTheModelWithItsMessageUntilTheSpecIsFixed() {
        String invalid = "Deployment.apps \"refused-vllm\" is invalid: spec.template.spec.containers[0].env[0].value:"
                + " Invalid value: \"x\": denied by the cluster's policy";
        try (FaultyApiServer api = FaultyApiServer.install(server.getKubernetesMockServer())) {
            AtomicBoolean refusing = new AtomicBoolean(true);
            api.inject(
                    r -> refusing.get()
                            && r.namespace() != null
                            && (r.is("create", "deployments") || r.is("update", "deployments")),
                    10_000,
                    FaultyApiServer.status(422, invalid));
            RewriterModel model = Models.onPvc("refused", 1, 1);
            if (model.getSpec().getEngine() == null) {
                model.getSpec().setEngine(new RewriterModelSpec.Engine());
            }
            model.getSpec().getEngine().setEnv(List.of(new EnvVar("BAD", "x", null)));
            client.resource(model).create();

            RewriterModel failed = awaitModel("refused", m -> m.getStatus().getPhase() == ModelPhase.Failed);
            var degraded = ConditionAggregator.find(failed.getStatus().getConditions(), Conditions.DEGRADED);
            var ready = ConditionAggregator.find(failed.getStatus().getConditions(), Conditions.READY);
            assertEquals(ModelReason.RejectedByApiServer.name(), degraded.getReason());
            assertEquals(ModelReason.RejectedByApiServer.name(), ready.getReason());
            assertTrue(
                    degraded.getMessage().startsWith("the API server refused to create Deployment refused-vllm: "),
                    degraded.getMessage());
            assertTrue(degraded.getMessage().contains("env[0].value: Invalid value: \"x\""), degraded.getMessage());
            String version = failed.getMetadata().getResourceVersion();
            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> version.equals(client.resources(RewriterModel.class)
                            .withName("refused")
                            .get()
                            .getMetadata()
                            .getResourceVersion()));
            assertEquals(
                    1,
                    modelEvents("refused", ModelReason.RejectedByApiServer.name())
                            .size());

            refusing.set(false);
            edit("refused", m -> m.getSpec().getEngine().setEnv(List.of(new EnvVar("GOOD", "x", null))));
            awaitValue(
                    () -> client.apps().deployments().withName("refused-vllm").get());
            awaitModel("refused", m -> m.getStatus().getPhase() != ModelPhase.Failed);
        }
    }

    /**
     * A Service refused (422) after the model's Deployment was made: the refusal keeps the replica counts as
     * observed, and the replicas asked for are the Deployment's, so the Ready column reads 1/1 once its replica is
     * ready, not 1/0 as if none had been asked for (no decision of the autoscaler was recorded before the refusal).
     */
    @Test
    void aServiceRefusedAfterTheDeploymentWasMadeShowsTheReplicasTheDeploymentAsksFor() {
        String invalid =
                "Service \"svc-refused-vllm\" is invalid: metadata.annotations: Invalid value: \"x\": denied by"
                        + " the cluster's policy";
        try (FaultyApiServer api = FaultyApiServer.install(server.getKubernetesMockServer())) {
            api.inject(
                    r -> r.namespace() != null
                            && (r.is("create", "services") || r.is("update", "services") || r.is("patch", "services")),
                    10_000,
                    FaultyApiServer.status(422, invalid));
            client.resource(Models.onPvc("svc-refused", 1, 1)).create();

            awaitDeploymentReplicas("svc-refused-vllm", 1);
            awaitModel("svc-refused", m -> ModelReason.RejectedByApiServer.name()
                    .equals(ConditionAggregator.find(m.getStatus().getConditions(), Conditions.DEGRADED)
                            .getReason()));
            deploymentStatus("svc-refused-vllm", 1, 1, 1);

            RewriterModel serving = awaitModel(
                    "svc-refused", m -> Integer.valueOf(1).equals(m.getStatus().getReadyReplicas()));
            assertEquals(ModelPhase.Degraded, serving.getStatus().getPhase(), "the refusal stands");
            assertEquals(1, serving.getStatus().getDesiredReplicas(), "the replicas its Deployment asks for");
            assertEquals("1/1", serving.getStatus().getReady());
        }
    }

    /**
     * A toleration the API server would refuse in the replicas' pods is refused before anything is made:
     * the model is Failed InvalidSpec on the field, as {@code palimpsest lint} refuses it (ModelSpecRules).
     */
    @Test
    void aTolerationTheApiServerWouldRefuseIsAnInvalidSpecBeforeAnythingIsMade() {
        RewriterModel model = Models.onPvc("untolerated", 1, 1);
        Scheduling scheduling = new Scheduling();
        scheduling.setTolerations(List.of(new TolerationBuilder()
                .withKey("gpu")
                .withOperator("Exists")
                .withEffect("NoScheduel")
                .build()));
        model.getSpec().setScheduling(scheduling);
        client.resource(model).create();

        RewriterModel failed = awaitModel("untolerated", m -> m.getStatus().getPhase() == ModelPhase.Failed);
        var ready = ConditionAggregator.find(failed.getStatus().getConditions(), Conditions.READY);
        assertEquals(ModelReason.InvalidSpec.name(), ready.getReason());
        assertTrue(
                ready.getMessage().contains("spec.scheduling.tolerations[0].effect: Unsupported value: \"NoScheduel\""),
                ready.getMessage());
        assertEquals(
                null, client.apps().deployments().withName("untolerated-vllm").get());
    }

    /**
     * A nodeSelector key the API server would refuse in the replicas' pods (not a label key) is refused
     * before anything is made: the model is Failed InvalidSpec on the field, as {@code palimpsest lint}
     * refuses it (ModelSpecRules).
     */
    @Test
    void aNodeSelectorKeyThatIsNoLabelKeyIsAnInvalidSpecBeforeAnythingIsMade() {
        RewriterModel model = Models.onPvc("misplaced", 1, 1);
        Scheduling scheduling = new Scheduling();
        scheduling.setNodeSelector(java.util.Map.of("gpu type", "a100"));
        model.getSpec().setScheduling(scheduling);
        client.resource(model).create();

        RewriterModel failed = awaitModel("misplaced", m -> m.getStatus().getPhase() == ModelPhase.Failed);
        var ready = ConditionAggregator.find(failed.getStatus().getConditions(), Conditions.READY);
        assertEquals(ModelReason.InvalidSpec.name(), ready.getReason());
        assertTrue(
                ready.getMessage()
                        .contains("spec.scheduling.nodeSelector.gpu type: Invalid value: \"gpu type\": name part must"
                                + " consist of alphanumeric characters"),
                ready.getMessage());
        assertEquals(
                null, client.apps().deployments().withName("misplaced-vllm").get());
    }

    /**
     * An env name or a pull secret the API server would refuse in the replicas' pods is refused before
     * anything is made: the model is Failed InvalidSpec on the fields, as {@code palimpsest lint} refuses them.
     */
    @Test
    void anEnvNameOrPullSecretTheApiServerWouldRefuseIsAnInvalidSpecBeforeAnythingIsMade() {
        RewriterModel model = Models.onPvc("misnamed", 1, 1);
        if (model.getSpec().getEngine() == null) {
            model.getSpec().setEngine(new RewriterModelSpec.Engine());
        }
        model.getSpec().getEngine().setEnv(List.of(new EnvVar("1BAD", "1", null)));
        model.getSpec().setImagePullSecrets(List.of(new LocalObjectReference()));
        client.resource(model).create();

        RewriterModel failed = awaitModel("misnamed", m -> m.getStatus().getPhase() == ModelPhase.Failed);
        var ready = ConditionAggregator.find(failed.getStatus().getConditions(), Conditions.READY);
        assertEquals(ModelReason.InvalidSpec.name(), ready.getReason());
        assertTrue(ready.getMessage().contains("spec.engine.env[0].name: Invalid value: \"1BAD\""), ready.getMessage());
        assertTrue(ready.getMessage().contains("spec.imagePullSecrets[0].name: Required value"), ready.getMessage());
        assertEquals(null, client.apps().deployments().withName("misnamed-vllm").get());
    }

    private List<Event> modelEvents(String model, String reason) {
        return client.v1().events().inNamespace("test").list().getItems().stream()
                .filter(e -> model.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
                .toList();
    }

    @Test
    void aFailedDownloadFailsTheModelWithAWarningAndANewSourceGetsANewJob() {
        client.resource(Models.huggingFace("mistral-f")).create();
        Job job = awaitValue(() -> jobs("mistral-f").stream().findFirst().orElse(null));
        job.setStatus(new JobStatusBuilder()
                .withFailed(5)
                .withConditions(new JobConditionBuilder()
                        .withType("Failed")
                        .withStatus("True")
                        .withReason("BackoffLimitExceeded")
                        .build())
                .build());
        client.resource(job).updateStatus();

        RewriterModel failed = awaitModel("mistral-f", m -> m.getStatus().getPhase() == ModelPhase.Failed);
        assertEquals(
                ModelReason.WeightDownloadFailed.name(),
                ConditionAggregator.find(failed.getStatus().getConditions(), Conditions.DEGRADED)
                        .getReason());
        assertEquals(
                0,
                client.apps()
                        .deployments()
                        .withName("mistral-f-vllm")
                        .get()
                        .getSpec()
                        .getReplicas());
        await().atMost(WAIT).until(() -> client.v1().events().list().getItems().stream()
                .anyMatch(e -> "mistral-f".equals(e.getInvolvedObject().getName())
                        && "Warning".equals(e.getType())
                        && ModelReason.WeightDownloadFailed.name().equals(e.getReason())));

        // Deleted (after a fixed Secret, say), the Job is made again under its name and runs afresh.
        client.resource(job).delete();
        Job again = awaitValue(() -> jobs("mistral-f").stream()
                .filter(j -> !j.getMetadata().getUid().equals(job.getMetadata().getUid()))
                .findFirst()
                .orElse(null));
        assertEquals(job.getMetadata().getName(), again.getMetadata().getName());
        awaitModel("mistral-f", m -> m.getStatus().getPhase() == ModelPhase.Loading);

        // A Job's pod template is immutable: another revision is another Job.
        RewriterModel edited =
                client.resources(RewriterModel.class).withName("mistral-f").get();
        edited.getSpec().getSource().getHuggingFace().setRevision("main");
        client.resource(edited).update();
        Job next = awaitValue(() -> jobs("mistral-f").stream()
                .filter(j -> !j.getMetadata().getName().equals(job.getMetadata().getName()))
                .findFirst()
                .orElse(null));
        assertTrue(next.getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getArgs()
                .contains("main"));
        awaitModel("mistral-f", m -> m.getStatus().getPhase() == ModelPhase.Loading);
    }

    /**
     * The download Job's pod template carries the vLLM image, and a Job's template cannot change: a new
     * image must reach the replicas without the Job being written, or every reconcile would fail there.
     */
    @Test
    void aNewEngineImageReachesTheReplicasAndLeavesTheDownloadJobAsItIs() {
        client.resource(Models.huggingFace("mistral-i")).create();
        Job job = awaitValue(() -> jobs("mistral-i").stream().findFirst().orElse(null));
        complete(job);
        awaitDeploymentReplicas("mistral-i-vllm", 1);
        Job downloaded = client.batch()
                .v1()
                .jobs()
                .inNamespace("test")
                .withName(job.getMetadata().getName())
                .get();

        RewriterModel edited = edit("mistral-i", m -> m.getSpec().getEngine().setImage("vllm/vllm-openai:v0.12.0"));

        awaitModel(
                "mistral-i",
                m -> edited.getMetadata().getGeneration().equals(m.getStatus().getObservedGeneration()));
        Deployment d = awaitValue(() -> {
            Deployment x =
                    client.apps().deployments().withName("mistral-i-vllm").get();
            return "vllm/vllm-openai:v0.12.0"
                            .equals(x.getSpec()
                                    .getTemplate()
                                    .getSpec()
                                    .getContainers()
                                    .get(0)
                                    .getImage())
                    ? x
                    : null;
        });
        assertEquals(1, d.getSpec().getReplicas(), "the weights are still there");
        List<Job> after = jobs("mistral-i");
        assertEquals(1, after.size());
        assertEquals(
                downloaded.getMetadata().getResourceVersion(),
                after.get(0).getMetadata().getResourceVersion());
        assertEquals(
                "vllm/vllm-openai:v0.11.0",
                after.get(0)
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getImage());
    }

    /**
     * Each S3 URI is synced into a directory of its own and served from it: switched to another URI and
     * back, the replicas serve exactly the first URI's files again, from the download that made them.
     */
    @Test
    void anS3ModelSwitchedToAnotherUriAndBackServesEachUrisOwnDirectory() {
        client.resource(Models.onS3("mistral-u", "s3://weights/mistral-a/")).create();
        Job jobA = awaitValue(() -> jobs("mistral-u").stream().findFirst().orElse(null));
        List<String> syncA = downloadArgs(jobA);
        assertEquals(
                List.of("s3", "sync", "--only-show-errors", "--delete", "s3://weights/mistral-a/"),
                syncA.subList(0, syncA.size() - 1));
        String dirA = syncA.get(syncA.size() - 1);
        complete(jobA);
        Deployment servingA = awaitServing("mistral-u-vllm", dirA);

        edit("mistral-u", m -> m.getSpec().getSource().getS3().setUri("s3://weights/mistral-b/"));
        Job jobB = awaitValue(() -> jobs("mistral-u").stream()
                .filter(j ->
                        !j.getMetadata().getName().equals(jobA.getMetadata().getName()))
                .findFirst()
                .orElse(null));
        List<String> syncB = downloadArgs(jobB);
        assertEquals("s3://weights/mistral-b/", syncB.get(syncB.size() - 2));
        String dirB = syncB.get(syncB.size() - 1);
        assertNotEquals(dirA, dirB, "each URI is synced into a directory of its own");
        awaitDeploymentReplicas("mistral-u-vllm", 0);
        complete(jobB);
        Deployment servingB = awaitServing("mistral-u-vllm", dirB);
        assertNotEquals(
                servingA.getSpec().getTemplate(), servingB.getSpec().getTemplate(), "a new URI rolls the replicas");

        edit("mistral-u", m -> m.getSpec().getSource().getS3().setUri("s3://weights/mistral-a/"));
        Deployment servingAAgain = awaitServing("mistral-u-vllm", dirA);
        assertEquals(servingA.getSpec().getTemplate(), servingAAgain.getSpec().getTemplate());
        List<Job> after = jobs("mistral-u");
        assertEquals(2, after.size(), "the first URI's download is used again, not run again");
        Job reused = after.stream()
                .filter(j -> j.getMetadata().getName().equals(jobA.getMetadata().getName()))
                .findFirst()
                .orElseThrow();
        assertEquals(jobA.getMetadata().getUid(), reused.getMetadata().getUid());
    }

    private List<String> downloadArgs(Job job) {
        Container download =
                job.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("aws", download.getCommand().get(0));
        return download.getArgs();
    }

    /** The Deployment once it runs a replica serving the directory. */
    private Deployment awaitServing(String name, String dir) {
        return await().atMost(WAIT)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> client.apps().deployments().withName(name).get(),
                        d -> d != null
                                && d.getSpec().getReplicas() == 1
                                && dir.equals(d.getSpec()
                                        .getTemplate()
                                        .getSpec()
                                        .getContainers()
                                        .get(0)
                                        .getArgs()
                                        .get(0)));
    }

    /** A claim's storage request cannot shrink, nor grow before it is bound: the operator leaves it as made. */
    @Test
    void aNewCacheSizeLeavesTheClaimAsItIsAndTheRestIsReconciled() {
        client.resource(Models.huggingFace("mistral-s")).create();
        awaitValue(() ->
                client.persistentVolumeClaims().withName("mistral-s-weights").get());
        awaitModel("mistral-s", m -> m.getStatus().getPhase() == ModelPhase.Loading);

        RewriterModel edited = edit("mistral-s", m -> {
            m.getSpec().getSource().getCache().setSize("200Gi");
            m.getSpec().getEngine().setMaxNumSeqs(64);
        });

        awaitModel(
                "mistral-s",
                m -> edited.getMetadata().getGeneration().equals(m.getStatus().getObservedGeneration()));
        awaitValue(() -> {
            Deployment x =
                    client.apps().deployments().withName("mistral-s-vllm").get();
            List<String> args =
                    x.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
            return args.get(args.indexOf("--max-num-seqs") + 1).equals("64") ? x : null;
        });
        assertEquals(
                new Quantity("50Gi"),
                client.persistentVolumeClaims()
                        .withName("mistral-s-weights")
                        .get()
                        .getSpec()
                        .getResources()
                        .getRequests()
                        .get("storage"));
    }

    @Test
    void editingTheSpecUpdatesTheOwnedObjects() {
        client.resource(Models.onPvc("mistral-b", 1, 2)).create();
        awaitDeploymentReplicas("mistral-b-vllm", 1);

        // read, change, write, again on 409 as kubectl edit would: the operator writes status meanwhile
        for (int attempt = 1; ; attempt++) {
            try {
                client.resources(RewriterModel.class).withName("mistral-b").edit(edited -> {
                    edited.getSpec().getEngine().setMaxNumSeqs(64);
                    edited.getSpec().getEngine().setExtraArgs(List.of("--enforce-eager"));
                    edited.getSpec().getResources().setGpus(4);
                    edited.getSpec().getResources().setGpuResourceName("amd.com/gpu");
                    edited.getSpec().getReplicas().setMin(2);
                    return edited;
                });
                break;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= 20) {
                    throw e;
                }
            }
        }

        Deployment d = awaitValue(() -> {
            Deployment x =
                    client.apps().deployments().withName("mistral-b-vllm").get();
            return x != null
                            && x.getSpec()
                                    .getTemplate()
                                    .getSpec()
                                    .getContainers()
                                    .get(0)
                                    .getArgs()
                                    .contains("--enforce-eager")
                    ? x
                    : null;
        });
        Container vllm = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertFlag(vllm.getArgs(), "--max-num-seqs", "64");
        assertFalse(vllm.getArgs().contains("--disable-log-requests"));
        assertEquals(new Quantity("4"), vllm.getResources().getLimits().get("amd.com/gpu"));
        assertNull(vllm.getResources().getLimits().get("nvidia.com/gpu"));
        awaitDeploymentReplicas("mistral-b-vllm", 2);
        // The user's claim is mounted read-only and served by path: no cache, no download.
        assertEquals("/models/mistral-7b", vllm.getArgs().get(0));
        assertTrue(jobs("mistral-b").isEmpty());
        assertNull(client.persistentVolumeClaims().withName("mistral-b-weights").get());
    }

    @Test
    void deletingTheModelLeavesNothingBehindThroughOwnerReferences() {
        RewriterModel model = client.resource(Models.huggingFace("mistral-c")).create();
        Deployment d = awaitValue(
                () -> client.apps().deployments().withName("mistral-c-vllm").get());
        Service s =
                awaitValue(() -> client.services().withName("mistral-c-vllm").get());
        PersistentVolumeClaim p = awaitValue(() ->
                client.persistentVolumeClaims().withName("mistral-c-weights").get());
        Job j = awaitValue(() -> jobs("mistral-c").stream().findFirst().orElse(null));
        // The mock server has no garbage collector: in a cluster these controller owner
        // references make the API server delete all four with the model.
        for (HasMetadata owned : List.of(d, s, p, j)) {
            assertOwnedBy(owned, model);
        }
        // No finalizer of the operator's: uninstalled, it holds back neither the model's deletion nor its namespace's.
        assertEquals(
                List.of(),
                client.resources(RewriterModel.class)
                        .withName("mistral-c")
                        .get()
                        .getMetadata()
                        .getFinalizers());
        client.resource(model).delete();
        await().atMost(WAIT)
                .until(() -> client.resources(RewriterModel.class)
                                .withName("mistral-c")
                                .get()
                        == null);
        // No finalizer is needed, and nothing is re-created once the model is gone.
        client.resource(d).delete();
        await().during(Duration.ofSeconds(2))
                .atMost(WAIT)
                .until(() ->
                        client.apps().deployments().withName("mistral-c-vllm").get() == null);
    }

    @Test
    void externalEndpointDeploysNothingAndTracksHealth() throws Exception {
        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder().modelName("ext").zeroLatency().build(), "127.0.0.1", 0)) {
            RewriterModel model = Models.huggingFace("external-a");
            model.getSpec().setSource(null);
            model.getSpec().setModel(null);
            RewriterModelSpec.ExternalEndpoint endpoint = new RewriterModelSpec.ExternalEndpoint();
            endpoint.setUrl(sim.baseUrl());
            model.getSpec().setEndpoint(endpoint);
            RewriterModelSpec.Autoscaling a = new RewriterModelSpec.Autoscaling();
            a.setPeriodSeconds(1);
            model.getSpec().setAutoscaling(a);
            client.resource(model).create();

            RewriterModel ready = awaitModel(
                    "external-a", m -> m.getStatus() != null && m.getStatus().getPhase() == ModelPhase.Ready);
            assertEquals(sim.baseUrl(), ready.getStatus().getEndpoint());
            assertEquals("reachable", ready.getStatus().getReady(), "the Ready column: what the health check found");
            // No replicas here: no replica or queue series (a 0 would read as a model at zero).
            assertNotNull(registry.find("palimpsest.model.phase")
                    .tags("model", "external-a", "phase", "Ready")
                    .gauge());
            for (String operated : List.of(
                    "palimpsest.model.replicas.ready",
                    "palimpsest.model.replicas.desired",
                    "palimpsest.model.queue.waiting")) {
                assertNull(registry.find(operated).tag("model", "external-a").meter(), operated);
            }
            sim.pause();
            RewriterModel unhealthy =
                    awaitModel("external-a", m -> m.getStatus().getPhase() == ModelPhase.Degraded);
            assertEquals("unreachable", unhealthy.getStatus().getReady());
            sim.resume();
            awaitModel("external-a", m -> m.getStatus().getPhase() == ModelPhase.Ready);
        }
        assertNull(client.apps().deployments().withName("external-a-vllm").get());
        assertNull(client.services().withName("external-a-vllm").get());
        assertNull(client.services().withName("external-a-vllm-replicas").get());
        assertNull(
                client.persistentVolumeClaims().withName("external-a-weights").get());
        assertTrue(jobs("external-a").isEmpty());
    }

    /**
     * The model's API key: a Secret made by the reconcile, which vLLM reads by secretKeyRef. A Deployment made
     * before keys existed (here: the variable taken out by hand) keeps serving without one while an unfinished
     * job bound to the model has a worker or preview Job made without the key (made by an operator from before
     * keys: its pods would be refused); the key is turned on once the job's Jobs carry it (though the job was
     * created before the Deployment lost it), or once the job is done.
     */
    @Test
    void theReplicasAskTheKeyOfTheModelsSecretButNotBehindAJobMakingPodsWithoutIt() {
        RewriterModel model = client.resource(Models.onPvc("mistral-key", 0, 2)).create();
        Deployment d = awaitValue(
                () -> client.apps().deployments().withName("mistral-key-vllm").get());
        Container vllm = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(
                "mistral-key-vllm-api-key",
                envVar(vllm, "VLLM_API_KEY").getValueFrom().getSecretKeyRef().getName());
        var secret = awaitValue(
                () -> client.secrets().withName("mistral-key-vllm-api-key").get());
        assertOwnedBy(secret, model);
        String key = secret.getData().get("api-key");

        RewriteJob job = TestJobs.job("keyless-campaign", "s3://corpus/in", "s3://corpus/out");
        job.getSpec().getModelRef().setName("mistral-key");
        client.resource(job).create();
        awaitModel(
                "mistral-key",
                m -> m.getStatus().getBoundJobs() != null
                        && m.getStatus().getBoundJobs().getCount() == 1);
        // its worker Job made without the key (by the operator before): held back
        Job keyless = client.resource(WorkerJob.desired(job, 4, 2, false, "worker:old", null, new TestSettings()))
                .create();
        awaitKeyHeldBack("mistral-key-vllm");

        // the job's worker Job made again with the key: nothing holds the key back
        client.resource(keyless).delete();
        client.resource(WorkerJob.desired(job, 4, 2, false, "worker:new", ModelApiKey.ref(model), new TestSettings()))
                .create();
        await().atMost(WAIT).until(() -> hasKey("mistral-key-vllm"));

        // a preview Job without the key holds it back again, until the job is done
        job.getSpec().setPreview(new RewriteJobSpec.Preview()); // what the preview Job is made from
        client.resource(PreviewJob.desired(
                        job, "worker:old", "http://mistral-key-vllm.test.svc:8000", model, null, new TestSettings()))
                .create();
        awaitKeyHeldBack("mistral-key-vllm");
        client.resource(job).delete();
        await().atMost(WAIT).until(() -> hasKey("mistral-key-vllm"));
        assertEquals(
                key,
                client.secrets()
                        .withName("mistral-key-vllm-api-key")
                        .get()
                        .getData()
                        .get("api-key"),
                "the key is never changed");
    }

    /**
     * Takes the key out of the Deployment until it stays out for 5 s: the operator, once its cache holds the Job
     * made without the key, no longer puts it back. A reconcile that ran before the cache had that Job (a slow
     * machine) put it back once; taken out again, it stays out. An operator that never holds the key back puts it
     * back every time, and this fails.
     */
    private void awaitKeyHeldBack(String deployment) {
        await().atMost(Duration.ofSeconds(40)).until(() -> {
            removeKey(deployment);
            try {
                await().during(Duration.ofSeconds(5))
                        .atMost(Duration.ofSeconds(6))
                        .until(() -> !hasKey(deployment));
                return true;
            } catch (ConditionTimeoutException putBack) {
                return false;
            }
        });
    }

    private void removeKey(String deployment) {
        client.apps().deployments().withName(deployment).edit(old -> {
            old.getSpec()
                    .getTemplate()
                    .getSpec()
                    .getContainers()
                    .get(0)
                    .getEnv()
                    .removeIf(e -> e.getName().equals("VLLM_API_KEY"));
            return old;
        });
    }

    private boolean hasKey(String deployment) {
        return client
                .apps()
                .deployments()
                .withName(deployment)
                .get()
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getEnv()
                .stream()
                .anyMatch(e -> e.getName().equals("VLLM_API_KEY"));
    }

    @Test
    void scaledToZeroUntilABoundJobHasWork() {
        client.resource(Models.onPvc("mistral-d", 0, 4)).create();
        awaitModel("mistral-d", m -> m.getStatus() != null && m.getStatus().getPhase() == ModelPhase.ScaledToZero);
        assertEquals(
                0,
                client.apps()
                        .deployments()
                        .withName("mistral-d-vllm")
                        .get()
                        .getSpec()
                        .getReplicas());

        RewriteJob job = TestJobs.job("campaign", "s3://corpus/in", "s3://corpus/out");
        job.getSpec().getModelRef().setName("mistral-d");
        client.resource(job).create();

        awaitDeploymentReplicas("mistral-d-vllm", 1);
        awaitModel("mistral-d", m -> m.getStatus().getDesiredReplicas() == 1);
        // the status names the jobs bound to the model (kubectl get's Jobs column counts them)
        awaitModel(
                "mistral-d",
                m -> m.getStatus().getBoundJobs() != null
                        && m.getStatus().getBoundJobs().getCount() == 1
                        && List.of("campaign")
                                .equals(m.getStatus().getBoundJobs().getNames()));
    }

    @Test
    @Order(1) // before any test installs KEDA's CRD in this server
    void aKedaModelWithoutKedaIsDegradedAndGetsItsScaledObjectOnceKedaIsInstalled() {
        RewriterModel model = Models.onPvc("mistral-n", 1, 4);
        RewriterModelSpec.Autoscaling a = new RewriterModelSpec.Autoscaling();
        a.setMode(RewriterModelSpec.AutoscalingMode.keda);
        model.getSpec().setAutoscaling(a);
        RewriterModel created = client.resource(model).create();

        RewriterModel degraded = awaitModel(
                "mistral-n", m -> ConditionAggregator.isTrue(m.getStatus().getConditions(), Conditions.DEGRADED));
        var condition = ConditionAggregator.find(degraded.getStatus().getConditions(), Conditions.DEGRADED);
        assertEquals(ModelReason.ScaledObjectFailed.name(), condition.getReason());
        assertTrue(condition.getMessage().contains("is KEDA installed?"), condition.getMessage());
        assertNotNull(
                client.apps().deployments().withName("mistral-n-vllm").get(), "the model runs without its autoscaler");
        assertTrue(client.genericKubernetesResources(KedaScaledObject.SCALED_OBJECTS)
                .inNamespace("test")
                .list()
                .getItems()
                .isEmpty());

        // KEDA installed, then the spec edited: the ScaledObject is made and the model is no longer degraded.
        KedaCrd.install(client);
        edit("mistral-n", m -> m.getSpec().getAutoscaling().setTargetWaitingPerReplica(6));
        GenericKubernetesResource so =
                awaitValue(() -> client.genericKubernetesResources(KedaScaledObject.SCALED_OBJECTS)
                        .inNamespace("test")
                        .withName("mistral-n-vllm")
                        .get());
        assertOwnedBy(so, created);
        awaitModel("mistral-n", m -> !ConditionAggregator.isTrue(m.getStatus().getConditions(), Conditions.DEGRADED));
    }

    @Test
    void kedaModeRendersAScaledObject() {
        KedaCrd.install(client);
        RewriterModel model = Models.onPvc("mistral-e", 0, 6);
        RewriterModelSpec.Autoscaling a = new RewriterModelSpec.Autoscaling();
        a.setMode(RewriterModelSpec.AutoscalingMode.keda);
        a.setTargetWaitingPerReplica(8);
        a.setScaleDownStabilizationSeconds(120);
        model.getSpec().setAutoscaling(a);
        RewriterModel created = client.resource(model).create();

        GenericKubernetesResource so =
                awaitValue(() -> client.genericKubernetesResources(KedaScaledObject.SCALED_OBJECTS)
                        .inNamespace("test")
                        .withName("mistral-e-vllm")
                        .get());
        Map<String, Object> spec =
                (Map<String, Object>) so.getAdditionalProperties().get("spec");
        assertEquals(Map.of("name", "mistral-e-vllm"), spec.get("scaleTargetRef"));
        assertEquals(0, ((Number) spec.get("minReplicaCount")).intValue());
        assertEquals(6, ((Number) spec.get("maxReplicaCount")).intValue());
        List<Map<String, Object>> triggers = (List<Map<String, Object>>) spec.get("triggers");
        Map<String, Object> queue = (Map<String, Object>) triggers.get(0).get("metadata");
        assertTrue(((String) queue.get("query")).contains("vllm:num_requests_waiting"));
        assertEquals("8", queue.get("threshold"));
        assertOwnedBy(so, created);
        // the Deployment comes in the same reconcile, after the ScaledObject
        assertNotNull(awaitValue(
                () -> client.apps().deployments().withName("mistral-e-vllm").get()));
    }

    @Test
    void aKedaModelDeletedAndCreatedAgainGetsItsScaledObjectAgain() {
        KedaCrd.install(client);
        RewriterModel model = Models.onPvc("mistral-k", 0, 4);
        RewriterModelSpec.Autoscaling a = new RewriterModelSpec.Autoscaling();
        a.setMode(RewriterModelSpec.AutoscalingMode.keda);
        model.getSpec().setAutoscaling(a);
        client.resource(model).create();
        awaitValue(() -> client.genericKubernetesResources(KedaScaledObject.SCALED_OBJECTS)
                .inNamespace("test")
                .withName("mistral-k-vllm")
                .get());

        // Deleted: on a cluster the garbage collector takes the ScaledObject with it once the model is
        // gone (the mock server has none, so the test does it, after a reconcile still running may have
        // written it once more).
        client.resources(RewriterModel.class)
                .inNamespace("test")
                .withName("mistral-k")
                .delete();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> client.resources(RewriterModel.class)
                                .inNamespace("test")
                                .withName("mistral-k")
                                .get()
                        == null);
        client.genericKubernetesResources(KedaScaledObject.SCALED_OBJECTS)
                .inNamespace("test")
                .withName("mistral-k-vllm")
                .delete();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> client.genericKubernetesResources(KedaScaledObject.SCALED_OBJECTS)
                                .inNamespace("test")
                                .withName("mistral-k-vllm")
                                .get()
                        == null);

        // The same name and spec again: another object, whose ScaledObject must be made again.
        RewriterModel again = Models.onPvc("mistral-k", 0, 4);
        again.getSpec().setAutoscaling(a);
        RewriterModel created = client.resource(again).create();
        GenericKubernetesResource so =
                awaitValue(() -> client.genericKubernetesResources(KedaScaledObject.SCALED_OBJECTS)
                        .inNamespace("test")
                        .withName("mistral-k-vllm")
                        .get());
        assertOwnedBy(so, created);
    }

    @Test
    void aKedaModelIsPausedAtZeroUntilItsWeightsAreDownloaded() {
        KedaCrd.install(client);
        RewriterModel model = Models.huggingFace("mistral-w");
        RewriterModelSpec.Autoscaling a = new RewriterModelSpec.Autoscaling();
        a.setMode(RewriterModelSpec.AutoscalingMode.keda);
        model.getSpec().setAutoscaling(a);
        client.resource(model).create();

        GenericKubernetesResource paused =
                awaitValue(() -> client.genericKubernetesResources(KedaScaledObject.SCALED_OBJECTS)
                        .inNamespace("test")
                        .withName("mistral-w-vllm")
                        .get());
        assertEquals(
                "0",
                paused.getMetadata().getAnnotations().get(KedaScaledObject.PAUSED_REPLICAS),
                "KEDA must not start replicas that have no weights to load");
        assertEquals(
                0,
                // the ScaledObject may be written before the Deployment: wait for it, as for the others
                awaitValue(() -> client.apps()
                                .deployments()
                                .withName("mistral-w-vllm")
                                .get())
                        .getSpec()
                        .getReplicas());

        // The download ends: KEDA owns the count again.
        complete(awaitValue(() -> jobs("mistral-w").stream().findFirst().orElse(null)));
        await().atMost(WAIT)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> client.genericKubernetesResources(KedaScaledObject.SCALED_OBJECTS)
                                .inNamespace("test")
                                .withName("mistral-w-vllm")
                                .get(),
                        so -> so.getMetadata().getAnnotations() == null
                                || !so.getMetadata().getAnnotations().containsKey(KedaScaledObject.PAUSED_REPLICAS));
    }

    @Test
    void aKedaModelAtZeroWakesForABoundJobsWorkAndHandsTheCountBackToKedaWhenItGoes() {
        KedaCrd.install(client);
        RewriterModel model = Models.onPvc("mistral-z", 0, 4);
        RewriterModelSpec.Autoscaling a = new RewriterModelSpec.Autoscaling();
        a.setMode(RewriterModelSpec.AutoscalingMode.keda);
        model.getSpec().setAutoscaling(a);
        client.resource(model).create();
        awaitModel("mistral-z", m -> m.getStatus().getPhase() == ModelPhase.ScaledToZero);
        GenericKubernetesResource idle =
                awaitValue(() -> client.genericKubernetesResources(KedaScaledObject.SCALED_OBJECTS)
                        .inNamespace("test")
                        .withName("mistral-z-vllm")
                        .get());
        assertTrue(
                idle.getMetadata().getAnnotations() == null
                        || !idle.getMetadata().getAnnotations().containsKey(KedaScaledObject.PAUSED_REPLICAS),
                "no work: KEDA's to scale");

        // A job bound to it, still planning: no worker pod exists for KEDA's trigger to count, and a job
        // on auto parallelism gets none while its model has no ready replica. The operator wakes the model.
        RewriteJob job = TestJobs.job("campaign-z", "s3://corpus/in", "s3://corpus/out-z");
        job.getSpec().getModelRef().setName("mistral-z");
        client.resource(job).create();
        GenericKubernetesResource woken = await().atMost(WAIT)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> client.genericKubernetesResources(KedaScaledObject.SCALED_OBJECTS)
                                .inNamespace("test")
                                .withName("mistral-z-vllm")
                                .get(),
                        so -> so.getMetadata().getAnnotations() != null
                                && "1".equals(so.getMetadata().getAnnotations().get(KedaScaledObject.PAUSED_REPLICAS)));
        assertNotNull(woken);
        awaitDeploymentReplicas("mistral-z-vllm", 1);
        awaitModel("mistral-z", m -> m.getStatus().getDesiredReplicas() == 1);

        // The work gone (here: the job deleted), the pause is lifted and KEDA decides again.
        client.resource(job).delete();
        await().atMost(WAIT)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> client.genericKubernetesResources(KedaScaledObject.SCALED_OBJECTS)
                                .inNamespace("test")
                                .withName("mistral-z-vllm")
                                .get(),
                        so -> so.getMetadata().getAnnotations() == null
                                || !so.getMetadata().getAnnotations().containsKey(KedaScaledObject.PAUSED_REPLICAS));
    }

    /**
     * A keda-mode model woken for a bound job's work whose Deployment write the API server refuses
     * (403): the ScaledObject is paused, but nothing is told as scaled while the Deployment keeps its
     * count; once the write is allowed, the Deployment is scaled and the wake-up told once.
     */
    @Test
    void aKedaWakeUpIsToldOnlyOnceTheDeploymentTookIt() {
        KedaCrd.install(client);
        RewriterModel model = Models.onPvc("mistral-y", 0, 4);
        RewriterModelSpec.Autoscaling a = new RewriterModelSpec.Autoscaling();
        a.setMode(RewriterModelSpec.AutoscalingMode.keda);
        model.getSpec().setAutoscaling(a);
        client.resource(model).create();
        awaitModel("mistral-y", m -> m.getStatus().getPhase() == ModelPhase.ScaledToZero);
        awaitDeploymentReplicas("mistral-y-vllm", 0);

        try (FaultyApiServer api = FaultyApiServer.install(server.getKubernetesMockServer())) {
            AtomicInteger refused = api.inject(
                    r -> r.namespace() != null && (r.is("update", "deployments") || r.is("patch", "deployments")),
                    10_000,
                    FaultyApiServer.status(403));
            RewriteJob job = TestJobs.job("campaign-y", "s3://corpus/in", "s3://corpus/out-y");
            job.getSpec().getModelRef().setName("mistral-y");
            client.resource(job).create();

            await().atMost(WAIT)
                    .pollInterval(Duration.ofMillis(100))
                    .until(
                            () -> client.genericKubernetesResources(KedaScaledObject.SCALED_OBJECTS)
                                    .inNamespace("test")
                                    .withName("mistral-y-vllm")
                                    .get(),
                            so -> so.getMetadata().getAnnotations() != null
                                    && "1"
                                            .equals(so.getMetadata()
                                                    .getAnnotations()
                                                    .get(KedaScaledObject.PAUSED_REPLICAS)));
            await().atMost(WAIT).until(() -> refused.get() > 0);
            awaitModel(
                    "mistral-y",
                    m -> m.getStatus().getConditions() != null
                            && ModelReason.Forbidden.name()
                                    .equals(ConditionAggregator.find(
                                                    m.getStatus().getConditions(), Conditions.DEGRADED)
                                            .getReason()));
            assertEquals(
                    0,
                    client.apps()
                            .deployments()
                            .withName("mistral-y-vllm")
                            .get()
                            .getSpec()
                            .getReplicas());
            assertTrue(
                    modelEvents("mistral-y", ModelEvents.SCALED).isEmpty(),
                    "nothing told as scaled while the Deployment write is refused: "
                            + modelEvents("mistral-y", ModelEvents.SCALED));

            api.clearFaults();
            awaitDeploymentReplicas("mistral-y-vllm", 1);
            await().atMost(WAIT)
                    .until(() -> modelEvents("mistral-y", ModelEvents.SCALED).size() == 1);
            String message = modelEvents("mistral-y", ModelEvents.SCALED).get(0).getMessage();
            assertTrue(message.startsWith("Scaled from 0 to 1 replicas (WakeOnWork"), message);
            client.resource(job).delete();
        }
    }

    @Test
    void switchingAwayFromKedaDeletesTheScaledObject() {
        KedaCrd.install(client);
        RewriterModel model = Models.onPvc("mistral-q", 0, 4);
        RewriterModelSpec.Autoscaling a = new RewriterModelSpec.Autoscaling();
        a.setMode(RewriterModelSpec.AutoscalingMode.keda);
        model.getSpec().setAutoscaling(a);
        client.resource(model).create();
        awaitValue(() -> client.genericKubernetesResources(KedaScaledObject.SCALED_OBJECTS)
                .inNamespace("test")
                .withName("mistral-q-vllm")
                .get());

        // again on 409, as kubectl edit would: the operator writes the model's status meanwhile
        edit("mistral-q", m -> m.getSpec().getAutoscaling().setMode(RewriterModelSpec.AutoscalingMode.queue));
        await().atMost(WAIT)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> client.genericKubernetesResources(KedaScaledObject.SCALED_OBJECTS)
                                .inNamespace("test")
                                .withName("mistral-q-vllm")
                                .get()
                        == null);
    }

    // --- helpers

    /** Read, change, write, again on 409 as kubectl edit would: the operator writes status meanwhile. */
    private RewriterModel edit(String name, Consumer<RewriterModel> change) {
        for (int attempt = 1; ; attempt++) {
            try {
                return client.resources(RewriterModel.class).withName(name).edit(m -> {
                    change.accept(m);
                    return m;
                });
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= 20) {
                    throw e;
                }
            }
        }
    }

    /** The Job controller's part (the mock server has none): the download finished. */
    private void complete(Job job) {
        job.setStatus(new JobStatusBuilder()
                .withSucceeded(1)
                .withConditions(new JobConditionBuilder()
                        .withType("Complete")
                        .withStatus("True")
                        .build())
                .build());
        client.resource(job).updateStatus();
    }

    private List<Job> jobs(String model) {
        return client.batch()
                .v1()
                .jobs()
                .inNamespace("test")
                .withLabel(ModelNames.MODEL_LABEL, model)
                .list()
                .getItems();
    }

    private static EnvVar envVar(Container c, String name) {
        return c.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no env " + name + " in " + c.getName()));
    }

    private static void assertFlag(List<String> args, String flag, String value) {
        int i = args.indexOf(flag);
        assertTrue(i >= 0, flag + " missing in " + args);
        assertEquals(value, args.get(i + 1), flag);
    }

    private static void assertOwnedBy(HasMetadata owned, RewriterModel model) {
        List<OwnerReference> refs = owned.getMetadata().getOwnerReferences();
        assertEquals(1, refs.size(), owned.getKind() + " owner references");
        OwnerReference ref = refs.get(0);
        assertEquals(model.getMetadata().getUid(), ref.getUid());
        assertEquals("RewriterModel", ref.getKind());
        assertEquals(Boolean.TRUE, ref.getController(), owned.getKind() + " controller reference");
    }

    /**
     * A new pod template rolls the replicas over one at a time (maxSurge 0, maxUnavailable 1) while the others
     * still serve the old one (its image, arguments, served name): the counts alone may look settled (3 of 3
     * ready), yet the model is not on its spec until every replica runs the new template, and says so.
     */
    @Test
    void aRolloutIsProgressingUntilEveryReplicaRunsTheNewTemplate() {
        client.resource(Models.onPvc("mistral-r", 3, 3)).create();
        awaitDeploymentReplicas("mistral-r-vllm", 3);
        deploymentStatus("mistral-r-vllm", 3, 3, 1);
        RewriterModel rolling = awaitModel(
                "mistral-r", m -> Integer.valueOf(3).equals(m.getStatus().getReadyReplicas()));
        assertEquals(ModelPhase.Ready, rolling.getStatus().getPhase(), "the old replicas still serve");
        Condition progressing = ConditionAggregator.find(rolling.getStatus().getConditions(), Conditions.PROGRESSING);
        assertEquals("True", progressing.getStatus());
        assertEquals("RollingOut", progressing.getReason());
        assertEquals(
                "3/3 replicas ready; rolling out a new pod template: 1 of 3 replicas run it", progressing.getMessage());
        assertTrue(ConditionAggregator.isTrue(rolling.getStatus().getConditions(), Conditions.RECONCILING));

        deploymentStatus("mistral-r-vllm", 3, 3, 3);
        RewriterModel settled = awaitModel(
                "mistral-r", m -> !ConditionAggregator.isTrue(m.getStatus().getConditions(), Conditions.PROGRESSING));
        assertEquals(
                "ReplicasReady",
                ConditionAggregator.find(settled.getStatus().getConditions(), Conditions.PROGRESSING)
                        .getReason());
    }

    /** The Deployment controller's status, observed at the Deployment's generation. */
    private void deploymentStatus(String name, int replicas, int ready, int updated) {
        Deployment d = client.apps().deployments().withName(name).get();
        d.setStatus(new DeploymentStatusBuilder()
                .withObservedGeneration(
                        d.getMetadata().getGeneration() == null
                                ? 1L
                                : d.getMetadata().getGeneration())
                .withReplicas(replicas)
                .withReadyReplicas(ready)
                .withAvailableReplicas(ready)
                .withUpdatedReplicas(updated)
                .build());
        client.resource(d).updateStatus();
    }

    private <T> T awaitValue(Supplier<T> get) {
        return await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(get::get, v -> v != null);
    }

    private RewriterModel awaitModel(String name, Predicate<RewriterModel> condition) {
        return await().atMost(WAIT)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> client.resources(RewriterModel.class)
                                .withName(name)
                                .get(),
                        m -> m != null && m.getStatus() != null && condition.test(m));
    }

    private void awaitDeploymentReplicas(String name, int replicas) {
        await().atMost(WAIT)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> client.apps().deployments().withName(name).get(),
                        d -> d != null && d.getSpec().getReplicas() == replicas);
    }
}
