package io.palimpsest.operator.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.PlanRefusals;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.operator.job.ranges.RangeSet;
import io.palimpsest.operator.status.Rfc3339;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Plays the Job controller and the kubelet against a mock API server: terminated pods with
 * termination messages, and Job status (completed/failed indexes, conditions) as Kubernetes
 * writes them.
 */
final class JobControllerMoves {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final KubernetesClient client;
    private final String namespace;
    private int podSerial;

    JobControllerMoves(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    Job job(String name) {
        return client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
    }

    /** A terminated pod of {@code job} (its template's labels, the Job as its controller), with a termination message. */
    Pod terminatedPod(
            Job job,
            Integer index,
            int failures,
            boolean succeeded,
            int exitCode,
            String reason,
            String message,
            boolean disrupted) {
        Map<String, String> labels =
                new HashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
        labels.put("batch.kubernetes.io/job-name", job.getMetadata().getName());
        Map<String, String> annotations = new HashMap<>();
        if (index != null) {
            annotations.put(RewriteJobNames.COMPLETION_INDEX, index.toString());
            annotations.put(RewriteJobNames.INDEX_FAILURE_COUNT, Integer.toString(failures));
        }
        String now = Instant.now().toString();
        PodBuilder pod = new PodBuilder()
                .withNewMetadata()
                .withName(job.getMetadata().getName() + "-" + (index == null ? "x" : index) + "-" + (podSerial++))
                .withNamespace(namespace)
                .withLabels(labels)
                .withAnnotations(annotations)
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion("batch/v1")
                        .withKind("Job")
                        .withName(job.getMetadata().getName())
                        .withUid(job.getMetadata().getUid())
                        .withController(true)
                        .withBlockOwnerDeletion(true)
                        .build())
                .endMetadata()
                .withNewSpec()
                .withContainers(job.getSpec().getTemplate().getSpec().getContainers())
                .withRestartPolicy("Never")
                .endSpec()
                .withNewStatus()
                .withPhase(succeeded ? "Succeeded" : "Failed")
                .withContainerStatuses(new ContainerStatusBuilder()
                        .withName(RewriteJobNames.CONTAINER)
                        .withNewState()
                        .withNewTerminated()
                        .withExitCode(exitCode)
                        .withReason(reason)
                        .withMessage(message)
                        .withFinishedAt(now)
                        .endTerminated()
                        .endState()
                        .build())
                .endStatus();
        if (disrupted) {
            pod.editStatus()
                    .withConditions(new PodConditionBuilder()
                            .withType("DisruptionTarget")
                            .withStatus("True")
                            .build())
                    .endStatus();
        }
        Pod built = pod.build();
        Pod created = client.pods().inNamespace(namespace).resource(built).create();
        if (created.getStatus() == null || created.getStatus().getPhase() == null) {
            created.setStatus(built.getStatus());
            created = client.pods().inNamespace(namespace).resource(created).updateStatus();
        }
        return created;
    }

    /** A running pod of {@code job}'s shard, as the Job controller makes it and the kubelet starts it. */
    Pod runningPod(String workerJob, int index, int failures) {
        return runningPod(workerJob, index, failures, null);
    }

    /** {@link #runningPod(String, int, int)} created at {@code createdAt} by the API server's clock (null: unset). */
    Pod runningPod(String workerJob, int index, int failures, Instant createdAt) {
        Pod built = runningPodToCreate(workerJob, index, failures, createdAt);
        Pod created = client.pods().inNamespace(namespace).resource(built).create();
        if (created.getStatus() == null || !"Running".equals(created.getStatus().getPhase())) {
            created.setStatus(built.getStatus());
            created = client.pods().inNamespace(namespace).resource(created).updateStatus();
        }
        return created;
    }

    /** The pod {@link #runningPod(String, int, int, Instant)} creates, not created yet. */
    Pod runningPodToCreate(String workerJob, int index, int failures, Instant createdAt) {
        Job job = job(workerJob);
        Map<String, String> labels =
                new HashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
        labels.put("batch.kubernetes.io/job-name", workerJob);
        // the template's, as the Job controller copies them, and the index's
        Map<String, String> annotations = new HashMap<>();
        if (job.getSpec().getTemplate().getMetadata().getAnnotations() != null) {
            annotations.putAll(job.getSpec().getTemplate().getMetadata().getAnnotations());
        }
        annotations.put(RewriteJobNames.COMPLETION_INDEX, Integer.toString(index));
        annotations.put(RewriteJobNames.INDEX_FAILURE_COUNT, Integer.toString(failures));
        return new PodBuilder()
                .withNewMetadata()
                .withName(workerJob + "-" + index + "-" + (podSerial++))
                .withNamespace(namespace)
                .withCreationTimestamp(createdAt == null ? null : Rfc3339.format(createdAt))
                .withLabels(labels)
                .withAnnotations(annotations)
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion("batch/v1")
                        .withKind("Job")
                        .withName(workerJob)
                        .withUid(job.getMetadata().getUid())
                        .withController(true)
                        .withBlockOwnerDeletion(true)
                        .build())
                .endMetadata()
                .withNewSpec()
                .withContainers(job.getSpec().getTemplate().getSpec().getContainers())
                .withRestartPolicy("Never")
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .endStatus()
                .build();
    }

    void plannerSucceeds(String jobName, long shards) {
        Job planner = job(jobName);
        terminatedPod(
                planner, null, 0, true, 0, "Completed", "{\"shards\":" + shards + ",\"files\":" + shards + "}", false);
        finish(jobName, "Complete", null);
    }

    /**
     * The planner's Job ends before its pod's end reaches the operator: the Job and the pods come through two watches,
     * and the Job's can arrive first. The pod, terminated with the plan's count, is written {@code lag} later.
     */
    void plannerSucceedsBeforeItsPodIsSeen(String jobName, long shards, Duration lag) throws InterruptedException {
        Job planner = job(jobName);
        finish(jobName, "Complete", null);
        Thread.sleep(lag.toMillis());
        terminatedPod(
                planner, null, 0, true, 0, "Completed", "{\"shards\":" + shards + ",\"files\":" + shards + "}", false);
    }

    void plannerFails(String jobName, String message) {
        Job planner = job(jobName);
        terminatedPod(planner, null, 0, false, 1, "Error", message, false);
        finish(jobName, "Failed", "BackoffLimitExceeded");
    }

    /** The planner refuses the plan for its input's state (exit 78, marked {@link PlanRefusals#INPUT_NOT_READY}). */
    void plannerRefusesInput(String jobName, String message) {
        Job planner = job(jobName);
        terminatedPod(
                planner, null, 0, false, ExitCodes.INVALID_JOB, "Error", PlanRefusals.INPUT_NOT_READY + message, false);
        finish(jobName, "Failed", "PodFailurePolicy");
    }

    /** The planner refuses the job as written (exit 78, unmarked: a recipe that does not compile, recipe drift). */
    void plannerRefusesJob(String jobName, String message) {
        Job planner = job(jobName);
        terminatedPod(planner, null, 0, false, ExitCodes.INVALID_JOB, "Error", message, false);
        finish(jobName, "Failed", "PodFailurePolicy");
    }

    void shardCommits(String workerJob, int shard, long written) {
        terminatedPod(
                job(workerJob),
                shard,
                0,
                true,
                0,
                "Completed",
                summaryJson(shard, ShardSummary.Outcome.committed, written),
                false);
    }

    void shardFails(
            String workerJob, int shard, int failures, int exitCode, ShardSummary.Outcome outcome, String reason) {
        ShardSummary s = summary(shard, outcome, 0);
        s.setReason(reason);
        s.setMessage("shard " + shard + ": " + reason);
        terminatedPod(job(workerJob), shard, failures, false, exitCode, "Error", json(s), false);
    }

    void shardPreempted(String workerJob, int shard) {
        terminatedPod(job(workerJob), shard, 0, false, 143, "Error", "terminated", true);
    }

    /** The kubelet's report of a running pod that has ended with {@code exitCode} (143: stopped by SIGTERM). */
    void terminate(Pod running, int exitCode) {
        retryOnConflict(() -> client.pods()
                .inNamespace(namespace)
                .withName(running.getMetadata().getName())
                .editStatus(p -> {
                    p.getStatus().setPhase(exitCode == 0 ? "Succeeded" : "Failed");
                    p.getStatus()
                            .setContainerStatuses(List.of(new ContainerStatusBuilder()
                                    .withName(RewriteJobNames.CONTAINER)
                                    .withNewState()
                                    .withNewTerminated()
                                    .withExitCode(exitCode)
                                    .withReason("Error")
                                    .withFinishedAt(Instant.now().toString())
                                    .endTerminated()
                                    .endState()
                                    .build()));
                    return p;
                }));
    }

    /** Sets what the Job controller reports for the worker Job. */
    void workerStatus(String workerJob, String completed, String failed, int active) {
        editJobStatus(workerJob, j -> {
            JobStatus s = j.getStatus() == null ? new JobStatus() : j.getStatus();
            s.setCompletedIndexes(completed);
            s.setFailedIndexes(failed);
            s.setActive(active);
            s.setSucceeded((int) RangeSet.parse(completed).cardinality());
            s.setFailed((int) RangeSet.parse(failed).cardinality());
            j.setStatus(s);
            return j;
        });
    }

    void finish(String jobName, String conditionType, String reason) {
        String now = Instant.now().toString();
        editJobStatus(jobName, j -> {
            JobStatus s = j.getStatus() == null ? new JobStatus() : j.getStatus();
            s.setActive(0);
            s.setConditions(List.of(new JobConditionBuilder()
                    .withType(conditionType)
                    .withStatus("True")
                    .withReason(reason)
                    .withLastTransitionTime(now)
                    .withLastProbeTime(now)
                    .build()));
            if ("Complete".equals(conditionType)) {
                s.setCompletionTime(now);
            }
            j.setStatus(s);
            return j;
        });
    }

    /** The Job's status, read, changed and written back as the Job controller does, retried on conflict. */
    private void editJobStatus(String name, UnaryOperator<Job> edit) {
        retryOnConflict(() ->
                client.batch().v1().jobs().inNamespace(namespace).withName(name).editStatus(edit));
    }

    /** Runs a read-modify-write again when the object changed between its read and its write (409 Conflict). */
    static void retryOnConflict(Runnable readModifyWrite) {
        for (int attempt = 1; ; attempt++) {
            try {
                readModifyWrite.run();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 10) {
                    throw e;
                }
            }
        }
    }

    static ShardSummary summary(int shard, ShardSummary.Outcome outcome, long written) {
        ShardSummary s = new ShardSummary();
        s.setShard(shard);
        s.setOutcome(outcome);
        s.setRead(written + 1);
        s.setWritten(written);
        s.setRejected(1);
        s.setPromptTokens(written * 10);
        s.setCompletionTokens(written * 9);
        s.setSeconds(12.5);
        return s;
    }

    static String summaryJson(int shard, ShardSummary.Outcome outcome, long written) {
        return json(summary(shard, outcome, written));
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
