package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The batch/v1 Job controller of the simulated cluster: each pass re-reads every Job and its pods
 * from the API server, lets {@link JobSync} decide, then applies the decision in the order the real
 * controller does — create and delete pods, write the status, and only then release finished pods'
 * tracking finalizers, so an outcome is never lost between two passes.
 */
public final class JobController implements AutoCloseable {

    private final KubernetesClient client;
    private final Clock clock;
    private final EventLog log;
    private final JobSync.Backoff backoff;
    /**
     * When this controller first saw each pod finished: the backoff clock. A container's finishedAt
     * has whole seconds, too coarse for a backoff scaled down to fractions of a second.
     */
    private final Map<String, Instant> finishedSeen = new ConcurrentHashMap<>();

    private final SplittableRandom random = new SplittableRandom(7);
    private final ControlLoop loop;
    private final ChangeFeed feed = new ChangeFeed();

    JobController(KubernetesClient client, Clock clock, EventLog log, JobSync.Backoff backoff) {
        this.client = client;
        this.clock = clock;
        this.log = log;
        this.backoff = backoff.withFailedAt(this::finishedAt);
        this.loop = new ControlLoop("job-controller", this::pass, Duration.ofMillis(500), Duration.ofMillis(20), log);
    }

    void start() {
        feed.watch(client.batch().v1().jobs().inAnyNamespace(), j -> loop.kick());
        feed.watch(client.pods().inAnyNamespace().withLabel(JobSync.CONTROLLER_UID), p -> loop.kick());
        loop.start();
    }

    void kick() {
        loop.kick();
    }

    private void pass() {
        List<Job> jobs = client.batch().v1().jobs().inAnyNamespace().list().getItems();
        Map<String, List<Pod>> podsByJob = new HashMap<>();
        for (Pod pod : client.pods()
                .inAnyNamespace()
                .withLabel(JobSync.CONTROLLER_UID)
                .list()
                .getItems()) {
            podsByJob
                    .computeIfAbsent(pod.getMetadata().getLabels().get(JobSync.CONTROLLER_UID), k -> new ArrayList<>())
                    .add(pod);
        }
        for (Job job : jobs) {
            List<Pod> pods = podsByJob.remove(job.getMetadata().getUid());
            if (job.getMetadata().getDeletionTimestamp() == null) {
                sync(job, pods == null ? List.of() : pods);
            } else if (pods != null) {
                // Being deleted (in the foreground: the garbage collector waits for its pods): as
                // upstream's syncJob does for a Job with a deletionTimestamp, no more counting.
                pods.forEach(this::releaseFinalizer);
            }
        }
        // Pods whose Job is gone: nobody will count them any more, so let the garbage collector have them.
        podsByJob.values().forEach(orphans -> orphans.forEach(this::releaseFinalizer));
    }

    private void sync(Job job, List<Pod> pods) {
        JobSync.Result result = JobSync.sync(job, pods, clock.instant(), backoff);
        String jobRef =
                job.getMetadata().getNamespace() + "/" + job.getMetadata().getName();
        for (Pod pod : result.delete()) {
            releaseFinalizer(pod);
            client.pods()
                    .inNamespace(pod.getMetadata().getNamespace())
                    .withName(pod.getMetadata().getName())
                    .delete();
            log.record(
                    "job-controller",
                    jobRef,
                    "SuccessfulDelete pod " + pod.getMetadata().getName());
        }
        for (JobSync.NewPod wanted : result.create()) {
            Pod pod = JobPodFactory.create(job, wanted, random);
            client.pods()
                    .inNamespace(pod.getMetadata().getNamespace())
                    .resource(pod)
                    .create();
            log.record(
                    "job-controller",
                    jobRef,
                    "SuccessfulCreate pod " + pod.getMetadata().getName()
                            + (wanted.index() == null ? "" : " index " + wanted.index()));
        }
        if (!sameStatus(job.getStatus(), result.status())) {
            Job update = new Job();
            update.setApiVersion("batch/v1");
            update.setKind("Job");
            update.setMetadata(job.getMetadata());
            update.setStatus(result.status());
            client.batch()
                    .v1()
                    .jobs()
                    .inNamespace(job.getMetadata().getNamespace())
                    .resource(update)
                    .updateStatus();
        }
        result.events().forEach(e -> log.record("job-controller", jobRef, e));
        for (Pod pod : result.release()) {
            releaseFinalizer(pod);
        }
    }

    private Instant finishedAt(Pod pod) {
        Instant reported = JobSync.finishedAt(pod);
        Instant seen = finishedSeen.computeIfAbsent(pod.getMetadata().getUid(), k -> clock.instant());
        return seen.isAfter(reported) && seen.isBefore(reported.plusSeconds(2)) ? seen : reported;
    }

    private void releaseFinalizer(Pod pod) {
        if (!JobSync.isTracked(pod)) {
            return;
        }
        try {
            client.pods()
                    .inNamespace(pod.getMetadata().getNamespace())
                    .withName(pod.getMetadata().getName())
                    .edit(p -> {
                        p.getMetadata().getFinalizers().remove(JobSync.TRACKING_FINALIZER);
                        return p;
                    });
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    /** Ignores the probe times, which the pass refreshes on every write. */
    private static boolean sameStatus(JobStatus before, JobStatus after) {
        if (before == null) {
            return false;
        }
        return Objects.equals(before.getActive(), after.getActive())
                && Objects.equals(before.getReady(), after.getReady())
                && Objects.equals(before.getTerminating(), after.getTerminating())
                && Objects.equals(before.getSucceeded(), after.getSucceeded())
                && Objects.equals(before.getFailed(), after.getFailed())
                && Objects.equals(before.getCompletedIndexes(), after.getCompletedIndexes())
                && Objects.equals(before.getFailedIndexes(), after.getFailedIndexes())
                && Objects.equals(before.getStartTime(), after.getStartTime())
                && Objects.equals(before.getCompletionTime(), after.getCompletionTime())
                && conditionsKey(before).equals(conditionsKey(after));
    }

    private static String conditionsKey(JobStatus s) {
        StringBuilder key = new StringBuilder();
        if (s.getConditions() != null) {
            s.getConditions().forEach(c -> key.append(c.getType())
                    .append('=')
                    .append(c.getStatus())
                    .append('/')
                    .append(c.getReason())
                    .append(';'));
        }
        return key.toString();
    }

    @Override
    public void close() {
        feed.close();
        loop.close();
    }
}
