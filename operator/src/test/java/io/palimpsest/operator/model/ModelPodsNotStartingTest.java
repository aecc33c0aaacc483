package io.palimpsest.operator.model;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.ModelPhase;
import io.palimpsest.api.v1alpha1.ModelReason;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.status.ConditionAggregator;
import io.palimpsest.operator.status.Rfc3339;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * A model's pods that never start (no node has a GPU, a crash loop at load, a missing Secret, a
 * quota) never end, and a Deployment's progress deadline covers a rollout only, never a wake-up
 * from zero: the model says which pod and why, Degraded with reason PodsNotStarting once it has
 * lasted the progress deadline, with one Warning Event per cause; the pod informer wakes the model
 * on a change of cause.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
class ModelPodsNotStartingTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Longer ago than any progress deadline. */
    private static final String LONG_AGO = Rfc3339.format(Instant.now().minus(Duration.ofHours(1)));

    @Inject
    KubernetesClient client;

    @Test
    void aReplicaThatFindsNoNodeThenCrashLoopsThenIsRefusedByAQuotaIsReportedOncePerCause() {
        RewriterModel model = client.resource(Models.onPvc("stuck-a", 1, 1)).create();
        await().atMost(WAIT)
                .until(() -> deployment("stuck-a") != null
                        && deployment("stuck-a").getSpec().getReplicas() == 1);
        Deployment d = deployment("stuck-a");
        d.setStatus(new DeploymentStatusBuilder().withReplicas(1).build());
        client.resource(d).updateStatus();

        // Woken from zero: a replica count change, which never exceeds a progress deadline.
        Pod pod = vllmPod(model, "stuck-a-vllm-5d8f-x2");
        setStatus(
                pod,
                new PodStatusBuilder()
                        .withPhase("Pending")
                        .withConditions(new PodConditionBuilder()
                                .withType("PodScheduled")
                                .withStatus("False")
                                .withReason("Unschedulable")
                                .withMessage("0/4 nodes are available: 4 Insufficient nvidia.com/gpu.")
                                .withLastTransitionTime(LONG_AGO)
                                .build())
                        .build());
        RewriterModel degraded = awaitModel("stuck-a", m -> m.getStatus().getPhase() == ModelPhase.Degraded);
        String text = "vLLM pod stuck-a-vllm-5d8f-x2 is not starting: Unschedulable:"
                + " 0/4 nodes are available: 4 Insufficient nvidia.com/gpu.";
        Condition deg = find(degraded, Conditions.DEGRADED);
        assertEquals(ModelReason.PodsNotStarting.name(), deg.getReason());
        assertEquals(text, deg.getMessage());
        Condition ready = find(degraded, Conditions.READY);
        assertEquals("False", ready.getStatus());
        assertEquals(ModelReason.PodsNotStarting.name(), ready.getReason());
        assertEquals("0/1 replicas ready; " + text, ready.getMessage());
        assertEquals(
                "Unschedulable", find(degraded, Conditions.PODS_NOT_STARTING).getReason());
        assertEquals("True", find(degraded, Conditions.STALLED).getStatus());
        await().atMost(WAIT).until(() -> warnings("stuck-a", "Unschedulable").size() == 1);

        // Placed, vLLM runs out of memory at load, again and again.
        setStatus(
                pod,
                new PodStatusBuilder()
                        .withPhase("Running")
                        .withConditions(
                                podCondition("PodScheduled", "True", LONG_AGO),
                                podCondition("Ready", "False", LONG_AGO))
                        .withContainerStatuses(new ContainerStatusBuilder()
                                .withName("vllm")
                                .withRestartCount(4)
                                .withNewState()
                                .withNewWaiting()
                                .withReason("CrashLoopBackOff")
                                .withMessage("back-off 1m20s restarting failed container=vllm")
                                .endWaiting()
                                .endState()
                                .build())
                        .build());
        RewriterModel crashing =
                awaitModel("stuck-a", m -> "CrashLoopBackOff".equals(reasonOf(m, Conditions.PODS_NOT_STARTING)));
        assertEquals(
                "vLLM pod stuck-a-vllm-5d8f-x2 is not starting: CrashLoopBackOff:"
                        + " back-off 1m20s restarting failed container=vllm",
                find(crashing, Conditions.DEGRADED).getMessage());
        await().atMost(WAIT).until(() -> warnings("stuck-a", "CrashLoopBackOff").size() == 1);

        // The pod gone, a quota refuses its replacement: the Deployment's ReplicaFailure condition.
        client.resource(pod).delete();
        Deployment refused = deployment("stuck-a");
        refused.setStatus(new DeploymentStatusBuilder()
                .withReplicas(0)
                .withConditions(new DeploymentConditionBuilder()
                        .withType("ReplicaFailure")
                        .withStatus("True")
                        .withReason("FailedCreate")
                        .withMessage("pods \"stuck-a-vllm-5d8f-x3\" is forbidden: exceeded quota: gpus,"
                                + " requested: requests.nvidia.com/gpu=1, used: requests.nvidia.com/gpu=8,"
                                + " limited: requests.nvidia.com/gpu=8")
                        .withLastTransitionTime(LONG_AGO)
                        .build())
                .build());
        client.resource(refused).updateStatus();
        RewriterModel quota =
                awaitModel("stuck-a", m -> "FailedCreate".equals(reasonOf(m, Conditions.PODS_NOT_STARTING)));
        assertTrue(
                find(quota, Conditions.DEGRADED)
                        .getMessage()
                        .startsWith("the Deployment stuck-a-vllm cannot create its pods: FailedCreate: pods"
                                + " \"stuck-a-vllm-5d8f-x3\" is forbidden: exceeded quota: gpus"),
                find(quota, Conditions.DEGRADED).getMessage());
        await().atMost(WAIT).until(() -> warnings("stuck-a", "FailedCreate").size() == 1);

        // Quota freed, the replica ready: nothing left to tell.
        Deployment fine = deployment("stuck-a");
        fine.setStatus(new DeploymentStatusBuilder()
                .withReplicas(1)
                .withReadyReplicas(1)
                .withAvailableReplicas(1)
                .build());
        client.resource(fine).updateStatus();
        RewriterModel ok = awaitModel("stuck-a", m -> m.getStatus().getPhase() == ModelPhase.Ready);
        assertNull(find(ok, Conditions.PODS_NOT_STARTING));
        assertEquals("False", find(ok, Conditions.DEGRADED).getStatus());
        assertEquals(1, warnings("stuck-a", "Unschedulable").size());
        assertEquals(1, warnings("stuck-a", "CrashLoopBackOff").size());
    }

    @Test
    void aDownloadPodMissingItsTokenSecretIsReportedNotLeftDownloadingForHours() {
        RewriterModel model = client.resource(Models.huggingFace("stuck-d")).create();
        Job job = await().atMost(WAIT)
                .until(
                        () -> client
                                .batch()
                                .v1()
                                .jobs()
                                .inNamespace("test")
                                .withLabel(ModelNames.MODEL_LABEL, "stuck-d")
                                .list()
                                .getItems()
                                .stream()
                                .findFirst()
                                .orElse(null),
                        j -> j != null);
        awaitModel("stuck-d", m -> m.getStatus().getPhase() == ModelPhase.Loading);

        // Just made: the Ready message names the cause at once, nothing is Degraded yet.
        Pod pod = podOf(
                model,
                job.getSpec().getTemplate().getMetadata(),
                job.getMetadata().getName() + "-q7x");
        setStatus(pod, configError(Rfc3339.format(Instant.now())));
        RewriterModel early = awaitModel(
                "stuck-d", m -> find(m, Conditions.READY).getMessage().contains("is not starting"));
        assertEquals(ModelPhase.Loading, early.getStatus().getPhase());
        assertEquals(
                ModelReason.DownloadingWeights.name(),
                find(early, Conditions.READY).getReason());
        assertEquals("False", find(early, Conditions.DEGRADED).getStatus());
        assertNull(find(early, Conditions.PODS_NOT_STARTING));
        assertTrue(warnings("stuck-d", "CreateContainerConfigError").isEmpty());

        // Past the progress deadline (the informer is woken by another pod of the same cause).
        Pod second = podOf(
                model,
                job.getSpec().getTemplate().getMetadata(),
                job.getMetadata().getName() + "-a1b");
        client.resource(pod).delete();
        setStatus(second, configError(LONG_AGO));
        RewriterModel degraded = awaitModel("stuck-d", m -> m.getStatus().getPhase() == ModelPhase.Degraded);
        Condition deg = find(degraded, Conditions.DEGRADED);
        assertEquals(ModelReason.PodsNotStarting.name(), deg.getReason());
        assertEquals(
                "the weight download pod " + job.getMetadata().getName()
                        + "-a1b is not starting: CreateContainerConfigError: secret \"hf-token\" not found",
                deg.getMessage());
        assertEquals(
                ModelReason.PodsNotStarting.name(),
                find(degraded, Conditions.READY).getReason());
        assertEquals("CreateContainerConfigError", reasonOf(degraded, Conditions.PODS_NOT_STARTING));
        await().atMost(WAIT)
                .until(() -> warnings("stuck-d", "CreateContainerConfigError").size() == 1);
        assertFalse(
                client.v1().events().inNamespace("test").list().getItems().stream()
                        .anyMatch(e -> "stuck-d".equals(e.getInvolvedObject().getName())
                                && ModelReason.PodsNotStarting.name().equals(e.getReason())),
                "one Warning, under the cause");
    }

    /** The pod informer's filter: each retry of the same cause does not wake the model. */
    @Test
    void onlyAChangeOfCauseWakesTheModel() {
        Pod backOff = waitingPod("ImagePullBackOff");
        Pod errPull = waitingPod("ErrImagePull");
        Pod crash = waitingPod("CrashLoopBackOff");
        Pod creating = waitingPod("ContainerCreating");
        assertFalse(RewriterModelReconciler.podChanged(errPull, backOff));
        assertTrue(RewriterModelReconciler.podChanged(crash, backOff));
        assertTrue(RewriterModelReconciler.podChanged(creating, crash));
        assertFalse(RewriterModelReconciler.podChanged(creating, creating));
    }

    // --- helpers

    private static Pod waitingPod(String reason) {
        return new PodBuilder()
                .withNewMetadata()
                .withName("p")
                .endMetadata()
                .withNewStatus()
                .withPhase("Pending")
                .withContainerStatuses(new ContainerStatusBuilder()
                        .withName("vllm")
                        .withNewState()
                        .withNewWaiting()
                        .withReason(reason)
                        .endWaiting()
                        .endState()
                        .build())
                .endStatus()
                .build();
    }

    private static io.fabric8.kubernetes.api.model.PodStatus configError(String since) {
        return new PodStatusBuilder()
                .withPhase("Pending")
                .withConditions(podCondition("PodScheduled", "True", since), podCondition("Ready", "False", since))
                .withContainerStatuses(new ContainerStatusBuilder()
                        .withName("download")
                        .withNewState()
                        .withNewWaiting()
                        .withReason("CreateContainerConfigError")
                        .withMessage("secret \"hf-token\" not found")
                        .endWaiting()
                        .endState()
                        .build())
                .build();
    }

    private static PodCondition podCondition(String type, String status, String since) {
        return new PodConditionBuilder()
                .withType(type)
                .withStatus(status)
                .withLastTransitionTime(since)
                .build();
    }

    private Pod vllmPod(RewriterModel model, String name) {
        return podOf(
                model,
                deployment(model.getMetadata().getName())
                        .getSpec()
                        .getTemplate()
                        .getMetadata(),
                name);
    }

    private Pod podOf(RewriterModel model, io.fabric8.kubernetes.api.model.ObjectMeta template, String name) {
        return client.resource(new PodBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace("test")
                        .withLabels(template.getLabels())
                        .endMetadata()
                        .withNewSpec()
                        .addNewContainer()
                        .withName("c")
                        .withImage("vllm/vllm-openai:test")
                        .endContainer()
                        .endSpec()
                        .build())
                .create();
    }

    private void setStatus(Pod pod, io.fabric8.kubernetes.api.model.PodStatus status) {
        Pod current = client.pods()
                .inNamespace("test")
                .withName(pod.getMetadata().getName())
                .get();
        current.setStatus(status);
        client.resource(current).updateStatus();
    }

    private Deployment deployment(String model) {
        return client.apps()
                .deployments()
                .inNamespace("test")
                .withName(model + "-vllm")
                .get();
    }

    private List<Event> warnings(String model, String reason) {
        return client.v1().events().inNamespace("test").list().getItems().stream()
                .filter(e -> model.equals(e.getInvolvedObject().getName())
                        && "Warning".equals(e.getType())
                        && reason.equals(e.getReason()))
                .toList();
    }

    private static Condition find(RewriterModel m, String type) {
        return ConditionAggregator.find(m.getStatus().getConditions(), type);
    }

    private static String reasonOf(RewriterModel m, String type) {
        Condition c = find(m, type);
        return c == null ? null : c.getReason();
    }

    private RewriterModel awaitModel(String name, Predicate<RewriterModel> condition) {
        return await().atMost(WAIT)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> client.resources(RewriterModel.class)
                                .inNamespace("test")
                                .withName(name)
                                .get(),
                        m -> m != null && m.getStatus() != null && condition.test(m));
    }
}
