package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.operator.PalimpsestConfig;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.status.ConditionAggregator;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Planner, worker and tally pods that never start (an image that cannot be pulled, a missing
 * Secret, no node that fits) never terminate: the job's status says which pod and why, an Event
 * says it once per cause, and the pod informer wakes the job on a change of cause only.
 */
@EnableKubernetesMockClient(crud = true)
class PodsNotStartingTest {
    static final String NS = "test";

    KubernetesClient client;
    KubernetesMockServer server;
    JobControllerMoves moves;
    final MutableClock clock = new MutableClock(Instant.now());
    final PalimpsestConfig config = TestSettings.config("ghcr.io/palimpsest/worker:test");

    @BeforeEach
    void setUp() throws Exception {
        ValidatingApiServer.installForCustomResources(server, List.of());
        new FreshReconciles(client, clock).install("m");
        moves = new JobControllerMoves(client, NS);
        RewriteJob job = TestJobs.job("ns", "s3://corpus/in", "s3://corpus/out");
        job.getSpec().getModelRef().setName("m");
        RewriteJobSpec.Workers workers = new RewriteJobSpec.Workers();
        workers.setParallelism(new IntOrString(3));
        job.getSpec().setWorkers(workers);
        client.resource(job).create();
    }

    @Test
    void aPlannerWhoseImageCannotBePulledIsReportedOnceAndClearedWhenItStarts() {
        reconcile();
        Pod planner = pendingPod(
                moves.job("ns-plan"),
                "ns-plan-a1",
                waiting("ImagePullBackOff", "Back-off pulling image \"ghcr.io/palimpsest/worker:tset\""));
        reconcile();
        reconcile();
        RewriteJobStatus stuck = status();
        var ready = ConditionAggregator.find(stuck.getConditions(), Conditions.READY);
        assertEquals("Planning", ready.getReason());
        assertEquals(
                "listing the input and cutting shards; the planner pod ns-plan-a1 is not starting: ImagePullBackOff:"
                        + " Back-off pulling image \"ghcr.io/palimpsest/worker:tset\"",
                ready.getMessage());
        var notStarting = ConditionAggregator.find(stuck.getConditions(), Conditions.PODS_NOT_STARTING);
        assertEquals("True", notStarting.getStatus());
        assertEquals("ImagePullBackOff", notStarting.getReason());
        assertEquals(1, warnings("ImagePullBackOff").size());

        // The kubelet's next retry says ErrImagePull: the same cause, no new Event.
        setStatus(planner, waiting("ErrImagePull", "failed to pull and unpack image: not found"));
        reconcile();
        assertEquals(1, warnings("ImagePullBackOff").size());
        assertTrue(ConditionAggregator.find(status().getConditions(), Conditions.READY)
                .getMessage()
                .contains("ErrImagePull: failed to pull and unpack image: not found"));

        // The image fixed, the pod runs: the condition goes, the message is the phase's again.
        setStatus(
                planner,
                new ContainerStatusBuilder()
                        .withName(RewriteJobNames.CONTAINER)
                        .withNewState()
                        .withNewRunning()
                        .withStartedAt("2026-12-05T12:00:00Z")
                        .endRunning()
                        .endState()
                        .build());
        reconcile();
        RewriteJobStatus running = status();
        assertNull(ConditionAggregator.find(running.getConditions(), Conditions.PODS_NOT_STARTING));
        assertEquals(
                "listing the input and cutting shards",
                ConditionAggregator.find(running.getConditions(), Conditions.READY)
                        .getMessage());
    }

    @Test
    void workersMissingASecretOrANodeAreCountedAndTheirCausesToldOnceEach() {
        reconcile();
        moves.plannerSucceeds("ns-plan", 6);
        reconcile();
        Job worker = moves.job("ns-work");
        for (int i = 0; i < 3; i++) {
            pendingPod(
                    worker,
                    "ns-work-" + i + "-b",
                    waiting("CreateContainerConfigError", "secret \"corpus-creds\" not found"));
        }
        reconcile();
        var ready = ConditionAggregator.find(status().getConditions(), Conditions.READY);
        assertEquals("True", ready.getStatus(), "the job still runs what it can");
        assertTrue(
                ready.getMessage()
                        .endsWith(
                                "worker pod ns-work-0-b is not starting: CreateContainerConfigError: secret \"corpus-creds\""
                                        + " not found (3 pods not starting)"),
                ready.getMessage());
        assertEquals(1, warnings("CreateContainerConfigError").size());

        // The Secret made, the pods wait for a node instead: a new cause, one more Event.
        for (int i = 0; i < 3; i++) {
            Pod p = client.pods()
                    .inNamespace(NS)
                    .withName("ns-work-" + i + "-b")
                    .get();
            p.getStatus().setContainerStatuses(List.of());
            p.getStatus()
                    .setConditions(List.of(new PodConditionBuilder()
                            .withType("PodScheduled")
                            .withStatus("False")
                            .withReason("Unschedulable")
                            .withMessage("0/3 nodes are available: 3 Insufficient cpu.")
                            .build()));
            client.pods().inNamespace(NS).resource(p).updateStatus();
        }
        reconcile();
        reconcile();
        assertEquals(
                "Unschedulable",
                ConditionAggregator.find(status().getConditions(), Conditions.PODS_NOT_STARTING)
                        .getReason());
        assertEquals(1, warnings("Unschedulable").size());
        assertEquals(1, warnings("CreateContainerConfigError").size());
    }

    /**
     * A ResourceQuota (or LimitRange, or a webhook) refuses the worker pods: the Job controller makes none and says so
     * only in Events on the Job. Past the grace the job says which Job makes no pod, once, and the condition goes
     * when a pod comes.
     */
    @Test
    void aWorkerJobThatCreatesNoPodIsToldAfterTheGraceAndClearedWhenAPodComes() {
        reconcile();
        moves.plannerSucceeds("ns-plan", 6);
        reconcile();
        Job worker = moves.job("ns-work");
        clock.advance(Duration.ofSeconds(60));
        reconcile();
        assertNull(
                ConditionAggregator.find(status().getConditions(), Conditions.PODS_NOT_STARTING),
                "the Job controller makes pods within seconds; a minute is not yet a refusal");

        clock.advance(Duration.ofSeconds(90));
        reconcile();
        reconcile();
        RewriteJobStatus refused = status();
        var notStarting = ConditionAggregator.find(refused.getConditions(), Conditions.PODS_NOT_STARTING);
        assertEquals("True", notStarting.getStatus());
        assertEquals("FailedCreate", notStarting.getReason());
        assertTrue(
                notStarting.getMessage().startsWith("the worker Job ns-work has created no pod for "),
                notStarting.getMessage());
        assertTrue(
                notStarting.getMessage().contains("although it wants 3")
                        && notStarting.getMessage().contains("ResourceQuota")
                        && notStarting.getMessage().endsWith("kubectl describe job ns-work"),
                notStarting.getMessage());
        assertTrue(ConditionAggregator.find(refused.getConditions(), Conditions.READY)
                .getMessage()
                .contains("the worker Job ns-work has created no pod"));
        assertEquals(1, warnings("FailedCreate").size());

        // The quota raised: a pod comes and runs.
        pendingPod(
                worker,
                "ns-work-0-q",
                new ContainerStatusBuilder()
                        .withName(RewriteJobNames.CONTAINER)
                        .withNewState()
                        .withNewRunning()
                        .withStartedAt("2026-12-05T12:00:00Z")
                        .endRunning()
                        .endState()
                        .build());
        reconcile();
        assertNull(ConditionAggregator.find(status().getConditions(), Conditions.PODS_NOT_STARTING));
        assertEquals(1, warnings("FailedCreate").size());
    }

    /** The pod informer's filters: a stuck pod wakes the job, each retry of the same cause does not. */
    @Test
    void onlyAChangeOfCauseWakesTheJob() {
        Pod creating = podWith(waiting("ContainerCreating", null));
        Pod backOff = podWith(waiting("ImagePullBackOff", "Back-off pulling image"));
        Pod errPull = podWith(waiting("ErrImagePull", "rpc error"));
        Pod configError = podWith(waiting("CreateContainerConfigError", "secret not found"));
        assertFalse(RewriteJobReconciler.podAdded(creating));
        assertTrue(RewriteJobReconciler.podAdded(backOff));
        assertTrue(RewriteJobReconciler.podChanged(backOff, creating));
        assertFalse(RewriteJobReconciler.podChanged(errPull, backOff));
        assertFalse(RewriteJobReconciler.podChanged(backOff, errPull));
        assertTrue(RewriteJobReconciler.podChanged(configError, backOff));
        assertTrue(RewriteJobReconciler.podChanged(creating, configError), "a pod that got going again clears it");
    }

    // --- helpers

    void reconcile() {
        FreshReconcile.of(client, NS, "ns", clock, config);
    }

    RewriteJobStatus status() {
        return client.resources(RewriteJob.class)
                .inNamespace(NS)
                .withName("ns")
                .get()
                .getStatus();
    }

    List<Event> warnings(String reason) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "Warning".equals(e.getType()) && reason.equals(e.getReason()))
                .toList();
    }

    /** A pod of {@code job} (the Job as its controller) the kubelet has not started. */
    Pod pendingPod(Job job, String name, ContainerStatus container) {
        Map<String, String> labels =
                new HashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
        labels.put("batch.kubernetes.io/job-name", job.getMetadata().getName());
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .withLabels(labels)
                .withCreationTimestamp(Instant.now().toString())
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion("batch/v1")
                        .withKind("Job")
                        .withName(job.getMetadata().getName())
                        .withUid(job.getMetadata().getUid())
                        .withController(true)
                        .build())
                .endMetadata()
                .withNewSpec()
                .withContainers(job.getSpec().getTemplate().getSpec().getContainers())
                .withRestartPolicy("Never")
                .endSpec()
                .build();
        client.pods().inNamespace(NS).resource(pod).create();
        return setStatus(client.pods().inNamespace(NS).withName(name).get(), container);
    }

    Pod setStatus(Pod pod, ContainerStatus container) {
        Pod current = client.pods()
                .inNamespace(NS)
                .withName(pod.getMetadata().getName())
                .get();
        current.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder()
                .withPhase(container.getState().getRunning() != null ? "Running" : "Pending")
                .withContainerStatuses(container)
                .build());
        return client.pods().inNamespace(NS).resource(current).updateStatus();
    }

    static ContainerStatus waiting(String reason, String message) {
        return new ContainerStatusBuilder()
                .withName(RewriteJobNames.CONTAINER)
                .withNewState()
                .withNewWaiting()
                .withReason(reason)
                .withMessage(message)
                .endWaiting()
                .endState()
                .build();
    }

    static Pod podWith(ContainerStatus container) {
        return new PodBuilder()
                .withNewMetadata()
                .withName("p")
                .endMetadata()
                .withNewStatus()
                .withPhase("Pending")
                .withContainerStatuses(container)
                .endStatus()
                .build();
    }
}
