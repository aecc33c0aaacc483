package io.palimpsest.operator.pods;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.palimpsest.operator.OwnerReferences;
import io.palimpsest.operator.status.Rfc3339;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A Job that creates no pod although it should: a ResourceQuota that the pods would exceed, a
 * LimitRange they break, an admission webhook that refuses them. The Job controller says so only in
 * FailedCreate Events on the Job (a Job has no condition for it, unlike a Deployment's
 * ReplicaFailure) and tries again with a growing back-off, so without this its owner would wait
 * for ever with no pod to look at. A Job that has not finished, is not suspended, wants pods
 * (parallelism above 0), has none active nor any pod that has not ended, and has gone {@link #GRACE}
 * so since it was made, resumed, or its last pod ended, creates none. Read from the Job and the pod
 * caches only (Events are not watched).
 */
public final class JobsWithoutPods {
    /** The Job controller makes a pod within seconds; past this, none is coming. */
    public static final Duration GRACE = Duration.ofMinutes(2);

    /**
     * After a pod fails, the Job controller waits before it makes the next one, doubling from 10 s to
     * this: a Job with failed pods is between retries, not refused, for up to this long more.
     */
    public static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(6);

    /** The Job controller's Event reason, and the condition's. */
    public static final String CAUSE = "FailedCreate";

    /**
     * A Job that has created no pod for {@code seconds} although it wants {@code wanted}.
     *
     * @param words the owner's words for the Job ("the worker", "the weight download")
     */
    public record NoPodCreated(String job, String words, int wanted, long seconds) implements NotStarting {
        @Override
        public String cause() {
            return CAUSE;
        }

        @Override
        public String text() {
            String said = words.startsWith("the ") ? words : "the " + words;
            return said + " Job " + job + " has created no pod for " + seconds + " s although it wants " + wanted
                    + ": the Job controller cannot create them (a ResourceQuota or LimitRange of the"
                    + " namespace, or an admission webhook, refusing them); its FailedCreate Events say why:"
                    + " kubectl describe job " + job;
        }
    }

    /**
     * What one Job says.
     *
     * @param found the Job creates no pod although it wants some, or null
     * @param due   when a Job that wants pods and has none yet is overdue, or null: look again then
     */
    public record Reading(NoPodCreated found, Instant due) {
        public static final Reading NONE = new Reading(null, null);
    }

    private JobsWithoutPods() {}

    /**
     * @param job   the Job
     * @param pods  pods among which the Job's own are (by controller reference)
     * @param words the owner's words for the Job
     */
    public static Reading of(Job job, List<Pod> pods, String words, Instant now) {
        if (!wantsPods(job, pods)) {
            return Reading.NONE;
        }
        Instant since = since(job, pods);
        Duration grace = hadFailedPods(job, pods) ? GRACE.plus(MAX_RETRY_DELAY) : GRACE;
        if (since != null && since.plus(grace).isAfter(now)) {
            return new Reading(null, since.plus(grace));
        }
        int wanted = job.getSpec().getParallelism() == null ? 1 : job.getSpec().getParallelism();
        long seconds =
                since == null ? GRACE.toSeconds() : Duration.between(since, now).toSeconds();
        return new Reading(new NoPodCreated(job.getMetadata().getName(), words, wanted, seconds), null);
    }

    private static boolean wantsPods(Job job, List<Pod> pods) {
        if (job.getSpec() == null || job.getMetadata().getDeletionTimestamp() != null) {
            return false;
        }
        if (Boolean.TRUE.equals(job.getSpec().getSuspend())
                || Integer.valueOf(0).equals(job.getSpec().getParallelism())) {
            return false;
        }
        if (job.getStatus() != null && job.getStatus().getConditions() != null) {
            boolean ended = job.getStatus().getConditions().stream()
                    .anyMatch(c -> "True".equals(c.getStatus())
                            && List.of("Complete", "SuccessCriteriaMet", "Failed", "FailureTarget")
                                    .contains(c.getType()));
            if (ended) {
                return false;
            }
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
                ownPods(job, pods).flatMap(JobsWithoutPods::endTimes));
        return times.filter(Objects::nonNull)
                .map(JobsWithoutPods::time)
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

    private static Optional<Instant> time(String rfc3339) {
        try {
            return Optional.of(Rfc3339.parse(rfc3339));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
