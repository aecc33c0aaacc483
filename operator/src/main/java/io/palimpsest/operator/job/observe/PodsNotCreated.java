package io.palimpsest.operator.job.observe;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.palimpsest.operator.OwnerReferences;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.operator.pods.PodReadings;
import io.palimpsest.operator.pods.StuckPods;
import io.palimpsest.operator.status.Rfc3339;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A Job of the RewriteJob's that creates no pod although it should: a ResourceQuota that the pods
 * would exceed, a LimitRange they break, an admission webhook that refuses them. The Job controller
 * says so only in FailedCreate Events on the Job (a Job has no condition for it, unlike a
 * Deployment's ReplicaFailure) and tries again with a growing back-off, so without this the job would
 * say "starting" or "listing the input" forever with no pod to look at. A Job that has not finished,
 * is not suspended, wants pods (parallelism above 0), has none active nor any pod that has not
 * ended, and has gone {@link #GRACE} so since it was made, resumed, or its last pod ended, is told
 * as a PodsNotStarting cause {@link #CAUSE}. Read from the Job and the pod caches only.
 */
public final class PodsNotCreated {
    /** The Job controller makes a pod within seconds; past this, none is coming. */
    public static final Duration GRACE = Duration.ofMinutes(2);

    /**
     * After a pod fails, the Job controller waits before it makes the next one, doubling from 10 s to
     * this: a Job with failed pods (a model outage retried shard by shard) is between retries, not
     * refused, for up to this long more.
     */
    static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(6);

    public static final String CAUSE = "FailedCreate";

    /**
     * @param summary the first Job (helpers before workers) that creates no pod, or null
     * @param due     when a Job that creates none yet is overdue, or null: the reconcile to look again then
     */
    public record Reading(StuckPods.Summary summary, Instant due) {}

    private PodsNotCreated() {}

    public static Reading of(List<Job> jobs, List<Pod> pods, Instant now) {
        StuckPods.Summary found = null;
        Instant due = null;
        List<Job> ordered = jobs.stream()
                .sorted(Comparator.comparing((Job j) -> rank(j))
                        .thenComparing(j -> j.getMetadata().getName()))
                .toList();
        for (Job job : ordered) {
            if (!wantsPods(job, pods)) {
                continue;
            }
            Instant since = since(job, pods);
            Duration grace = hadFailedPods(job, pods) ? GRACE.plus(MAX_RETRY_DELAY) : GRACE;
            if (since == null || !since.plus(grace).isAfter(now)) {
                if (found == null) {
                    found = summary(job, since, now);
                }
            } else if (due == null || since.plus(grace).isBefore(due)) {
                due = since.plus(grace);
            }
        }
        return new Reading(found, due);
    }

    private static boolean wantsPods(Job job, List<Pod> pods) {
        if (job.getSpec() == null || job.getMetadata().getDeletionTimestamp() != null) {
            return false;
        }
        if (Boolean.TRUE.equals(job.getSpec().getSuspend())
                || Integer.valueOf(0).equals(job.getSpec().getParallelism())) {
            return false;
        }
        if (ClusterReadings.end(job, "Complete", "SuccessCriteriaMet") != null
                || ClusterReadings.end(job, "Failed", "FailureTarget") != null) {
            return false;
        }
        if (job.getStatus() != null
                && job.getStatus().getActive() != null
                && job.getStatus().getActive() > 0) {
            return false;
        }
        return ownPods(job, pods).noneMatch(p -> !PodReadings.terminated(p));
    }

    private static boolean hadFailedPods(Job job, List<Pod> pods) {
        return (job.getStatus() != null
                        && job.getStatus().getFailed() != null
                        && job.getStatus().getFailed() > 0)
                || ownPods(job, pods)
                        .anyMatch(p -> p.getStatus() != null
                                && "Failed".equals(p.getStatus().getPhase()));
    }

    /** When the Job was last expected to make a pod: its creation, its (re)start, its last pod's end. */
    private static Instant since(Job job, List<Pod> pods) {
        Stream<String> times = Stream.concat(
                Stream.of(
                        job.getMetadata().getCreationTimestamp(),
                        job.getStatus() == null ? null : job.getStatus().getStartTime()),
                ownPods(job, pods).flatMap(PodsNotCreated::endTimes));
        return times.filter(Objects::nonNull)
                .map(PodsNotCreated::time)
                .flatMap(Optional::stream)
                .max(Comparator.naturalOrder())
                .orElse(null);
    }

    private static Stream<String> endTimes(Pod pod) {
        List<ContainerStatus> statuses =
                pod.getStatus() == null ? null : pod.getStatus().getContainerStatuses();
        return statuses == null
                ? Stream.of(pod.getMetadata().getCreationTimestamp())
                : Stream.concat(
                        Stream.of(pod.getMetadata().getCreationTimestamp()),
                        statuses.stream()
                                .map(ContainerStatus::getState)
                                .filter(s -> s != null && s.getTerminated() != null)
                                .map(s -> s.getTerminated().getFinishedAt()));
    }

    private static Stream<Pod> ownPods(Job job, List<Pod> pods) {
        String uid = job.getMetadata().getUid();
        return pods.stream().filter(p -> OwnerReferences.controllerOf(p)
                .map(r -> Objects.equals(r.getUid(), uid))
                .orElse(false));
    }

    private static StuckPods.Summary summary(Job job, Instant since, Instant now) {
        String role = role(job);
        String said = RewriteJobNames.POD_ROLES.words().apply(role);
        String words = said.startsWith("the ") ? said : "the " + said;
        String name = job.getMetadata().getName();
        int wanted = job.getSpec().getParallelism() == null ? 1 : job.getSpec().getParallelism();
        long seconds =
                since == null ? GRACE.toSeconds() : Duration.between(since, now).toSeconds();
        String text = words + " Job " + name + " has created no pod for " + seconds + " s although it wants "
                + wanted + ": the Job controller cannot create them (a ResourceQuota or LimitRange of the"
                + " namespace, or an admission webhook, refusing them); its FailedCreate Events say why: kubectl"
                + " describe job " + name;
        return StuckPods.notCreated(name, role, CAUSE, text);
    }

    private static String role(Job job) {
        return job.getMetadata().getLabels() == null
                ? null
                : job.getMetadata().getLabels().get(RewriteJobNames.ROLE_LABEL);
    }

    private static int rank(Job job) {
        int i = RewriteJobNames.POD_ROLES.order().indexOf(role(job));
        return i < 0 ? RewriteJobNames.POD_ROLES.order().size() : i;
    }

    private static Optional<Instant> time(String rfc3339) {
        try {
            return Optional.of(Rfc3339.parse(rfc3339));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
