package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.UncountedTerminatedPods;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * One pass of the Job controller over one Job and its pods, as a pure function: what to create,
 * what to delete, and the status to write. It follows batch/v1 as of Kubernetes 1.31-1.33
 * ({@code pkg/controller/job}: job_controller.go, indexed_job_utils.go, pod_failure_policy.go,
 * backoff_utils.go):
 * <ul>
 * <li>Indexed and NonIndexed completion modes; parallelism, completions; {@code completedIndexes} /
 *     {@code failedIndexes} written as the API writes intervals ({@code 0,1} for a run of two,
 *     {@code a-b} from three); {@code succeeded} = completed indexes in Indexed mode.</li>
 * <li>{@code backoffLimit} (default 6, or unlimited with {@code backoffLimitPerIndex}),
 *     {@code backoffLimitPerIndex}, {@code maxFailedIndexes}. An index's failure count lives only
 *     on pods that hold the tracking finalizer: the replacement pod gets its counts
 *     ({@code job-index-failure-count} / {@code job-index-ignored-failure-count}) from the index's
 *     last failed pod, which keeps its finalizer until the replacement exists. A pod the controller
 *     deletes itself (suspend, scale-in) loses its finalizer first, so its index starts again from
 *     0: {@code backoffLimitPerIndex} is not a hard cap across a suspend or a scale-in.</li>
 * <li>Pod failure backoff: a failed index (or, without per-index limits, the Job) gets its next
 *     pod {@code base x 2^(n-1)} after the last failure, n counting failed and ignored failures,
 *     capped at {@code max} (10 s and 10 min upstream).</li>
 * <li>{@code podFailurePolicy}: FailJob, FailIndex, Ignore, Count, first matching rule wins.</li>
 * <li>{@code podReplacementPolicy}: Failed (a terminating pod keeps its index and its parallelism
 *     slot until it is Failed) or TerminatingOrFailed.</li>
 * <li>suspend / resume (Suspended condition, startTime reset on resume), activeDeadlineSeconds.</li>
 * <li>Scale-in and suspend pick victims in ActivePods order (unscheduled, pending, not ready,
 *     ready for less time, more restarts, newer first), at most 500 creations or deletions a pass.</li>
 * <li>Terminal conditions in two steps: FailureTarget / SuccessCriteriaMet first, then Failed /
 *     Complete once every pod has terminated, terminating ones included.</li>
 * <li>Pods are tracked with the {@code batch.kubernetes.io/job-tracking} finalizer: a finished pod is
 *     counted into the status when its finalizer is released, so status counters never go
 *     backwards and a pod is counted once even when garbage-collected later. Pods the controller
 *     deletes itself are released before deletion and never counted as failures.</li>
 * </ul>
 * Not modelled: successPolicy, managedBy, pod-level restart (restartPolicy OnFailure), the
 * 1,000-entry cap on uncountedTerminatedPods, expectations (the pass always sees the API's state).
 */
final class JobSync {

    static final String TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
    static final String COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";
    static final String FAILURE_COUNT = "batch.kubernetes.io/job-index-failure-count";
    static final String IGNORED_FAILURE_COUNT = "batch.kubernetes.io/job-index-ignored-failure-count";
    static final String CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
    static final String JOB_NAME = "batch.kubernetes.io/job-name";

    private static final int DEFAULT_BACKOFF_LIMIT = 6;
    /** MaxPodCreateDeletePerSync in job_controller.go. */
    static final int MAX_POD_CREATE_DELETE_PER_SYNC = 500;

    /** A pod to create; index null in NonIndexed mode. */
    record NewPod(Integer index, int failureCount, int ignoredFailureCount) {}

    /**
     * The pod failure backoff ({@code DefaultJobPodFailureBackOff} 10 s, {@code MaxJobPodFailureBackOff}
     * 10 min upstream), and when each failed pod failed.
     */
    record Backoff(Duration base, Duration max, Function<Pod, Instant> failedAt) {
        static final Backoff UPSTREAM = scaled(1.0);

        static Backoff scaled(double scale) {
            return new Backoff(
                    Duration.ofMillis(Math.round(10_000 * scale)),
                    Duration.ofMillis(Math.round(600_000 * scale)),
                    JobSync::finishedAt);
        }

        Backoff withFailedAt(Function<Pod, Instant> when) {
            return new Backoff(base, max, when);
        }

        /** getRemainingTimeForFailuresCount: the delay after the {@code failures}-th failure. */
        Duration after(int failures) {
            if (failures <= 0) {
                return Duration.ZERO;
            }
            Duration d = base;
            for (int i = 1; i < failures; i++) {
                d = d.multipliedBy(2);
                if (d.compareTo(max) >= 0) {
                    return max;
                }
            }
            return d;
        }
    }

    /**
     * @param status  the status to write (written only when it differs from the current one)
     * @param create  pods to create
     * @param delete  running pods to delete, uncounted (release their finalizer first)
     * @param release finished pods whose outcome is in {@code status}: remove their finalizer after the write
     * @param events  what happened, for the event log
     */
    record Result(JobStatus status, List<NewPod> create, List<Pod> delete, List<Pod> release, List<String> events) {}

    private JobSync() {}

    static Result sync(Job job, List<Pod> pods, Instant now, Backoff backoff) {
        return new Pass(job, pods, now, backoff).run();
    }

    /** One index's last failure still held by its pod's finalizer: what its replacement inherits. */
    private record Held(Pod pod, Instant at, int failures, int ignored) {}

    private static final class Pass {
        private final Job job;
        private final JobSpec spec;
        private final JobStatus previous;
        private final List<Pod> pods;
        private final Instant now;
        private final Backoff backoff;
        private final boolean indexed;
        private final int completions;
        private final int parallelism;
        private final Integer backoffLimitPerIndex;
        private final List<NewPod> create = new ArrayList<>();
        private final List<Pod> delete = new ArrayList<>();
        private final List<Pod> release = new ArrayList<>();
        private final List<String> events = new ArrayList<>();
        private final List<JobCondition> conditions = new ArrayList<>();

        Pass(Job job, List<Pod> pods, Instant now, Backoff backoff) {
            this.job = job;
            this.spec = job.getSpec();
            this.previous = Optional.ofNullable(job.getStatus()).orElseGet(JobStatus::new);
            this.pods = pods;
            this.now = now;
            this.backoff = backoff;
            this.indexed = "Indexed".equals(spec.getCompletionMode());
            this.completions = Optional.ofNullable(spec.getCompletions()).orElse(1);
            this.parallelism = Optional.ofNullable(spec.getParallelism()).orElse(1);
            this.backoffLimitPerIndex = spec.getBackoffLimitPerIndex();
            if (previous.getConditions() != null) {
                previous.getConditions().forEach(c -> conditions.add(copy(c)));
            }
        }

        Result run() {
            BitSet completed = IndexRanges.parse(previous.getCompletedIndexes());
            BitSet failedIndexes = IndexRanges.parse(previous.getFailedIndexes());
            int succeeded = indexed ? 0 : nz(previous.getSucceeded());
            int failed = nz(previous.getFailed());
            boolean perIndex = indexed && backoffLimitPerIndex != null;
            Map<Integer, Held> held = new HashMap<>();
            List<Pod> finishedTracked = new ArrayList<>();
            String failJobMessage = null;

            for (Pod pod : pods) {
                Integer index = indexOf(pod);
                if (indexed && (index == null || index >= completions)) {
                    if (isActive(pod)) {
                        delete.add(pod);
                    } else if (isTracked(pod) && isTerminal(pod)) {
                        release.add(pod);
                    }
                    continue;
                }
                if (!isTracked(pod) || !isTerminal(pod)) {
                    continue;
                }
                finishedTracked.add(pod);
                if (isSucceeded(pod)) {
                    if (indexed) {
                        completed.set(index);
                    }
                    continue;
                }
                Optional<PodFailurePolicyMatcher.Match> match =
                        PodFailurePolicyMatcher.match(spec.getPodFailurePolicy(), pod);
                PodFailurePolicyMatcher.Action action =
                        match.map(PodFailurePolicyMatcher.Match::action).orElse(PodFailurePolicyMatcher.Action.Count);
                if (action == PodFailurePolicyMatcher.Action.FailJob && failJobMessage == null) {
                    failJobMessage = match.orElseThrow().message();
                }
                if (perIndex) {
                    int failures =
                            annotation(pod, FAILURE_COUNT) + (action == PodFailurePolicyMatcher.Action.Ignore ? 0 : 1);
                    int ignored = annotation(pod, IGNORED_FAILURE_COUNT)
                            + (action == PodFailurePolicyMatcher.Action.Ignore ? 1 : 0);
                    if (action == PodFailurePolicyMatcher.Action.FailIndex || failures > backoffLimitPerIndex) {
                        failedIndexes.set(index);
                    }
                    Held h = new Held(pod, backoff.failedAt().apply(pod), failures, ignored);
                    held.merge(index, h, (a, b) -> a.at().isAfter(b.at()) ? a : b);
                }
            }
            failedIndexes.andNot(completed);

            boolean alreadyFinished = hasTrue("Complete") || hasTrue("Failed");
            boolean targetBefore = hasTrue("FailureTarget") || hasTrue("SuccessCriteriaMet");
            // canRemoveFinalizer: an index's last failure keeps its finalizer until its replacement exists.
            for (Pod pod : finishedTracked) {
                Integer index = indexOf(pod);
                Held h = index == null ? null : held.get(index);
                boolean keep = h != null
                        && h.pod() == pod
                        && !alreadyFinished
                        && !targetBefore
                        && !failedIndexes.get(index)
                        && !completed.get(index)
                        && pods.stream().noneMatch(p -> p != pod && !isTerminal(p) && index.equals(indexOf(p)));
                if (!keep) {
                    release.add(pod);
                    if (isFailed(pod) && !ignoredByPolicy(pod)) {
                        failed++;
                    } else if (isSucceeded(pod) && !indexed) {
                        succeeded++;
                    }
                }
            }
            if (indexed) {
                succeeded = completed.cardinality();
            }

            if (!alreadyFinished && !targetBefore) {
                decideTarget(failJobMessage, completed, failedIndexes, failed, succeeded);
            }
            boolean targetSet = hasTrue("FailureTarget") || hasTrue("SuccessCriteriaMet");
            boolean suspended = Boolean.TRUE.equals(spec.getSuspend());
            Instant startTime = K8sTime.parse(previous.getStartTime());

            if (alreadyFinished || targetSet) {
                pods.stream()
                        .filter(JobSync::isActive)
                        .filter(p -> !delete.contains(p))
                        .forEach(delete::add);
                // Failed / Complete wait until every pod has terminated, the ones being deleted now included.
                if (!alreadyFinished && pods.stream().allMatch(JobSync::isTerminal)) {
                    finish();
                }
            } else if (suspended) {
                List<Pod> active = pods.stream()
                        .filter(JobSync::isActive)
                        .filter(p -> !delete.contains(p))
                        .sorted(ACTIVE_PODS_ORDER)
                        .limit(MAX_POD_CREATE_DELETE_PER_SYNC)
                        .toList();
                delete.addAll(active);
                if (!hasTrue("Suspended")) {
                    setCondition("Suspended", "True", "JobSuspended", "Job suspended");
                    events.add("Suspended: Job suspended");
                }
            } else {
                if (hasTrue("Suspended")) {
                    setCondition("Suspended", "False", "JobResumed", "Job resumed");
                    events.add("Resumed: Job resumed");
                    startTime = null;
                }
                if (startTime == null) {
                    startTime = now;
                }
                scheduleWork(completed, failedIndexes, succeeded, held);
            }

            JobStatus status = new JobStatus();
            status.setStartTime(startTime == null ? null : K8sTime.format(startTime));
            status.setCompletionTime(
                    hasTrue("Complete")
                            ? Optional.ofNullable(previous.getCompletionTime()).orElse(K8sTime.format(now))
                            : null);
            List<Pod> remaining = pods.stream().filter(p -> !delete.contains(p)).toList();
            int active = (int) remaining.stream().filter(JobSync::isActive).count() + create.size();
            status.setActive(active);
            status.setReady((int) remaining.stream()
                    .filter(JobSync::isActive)
                    .filter(JobSync::isReady)
                    .count());
            status.setTerminating(
                    (int) (pods.stream().filter(JobSync::isTerminating).count()
                            + delete.stream().filter(p -> !isTerminating(p)).count()));
            status.setSucceeded(succeeded);
            status.setFailed(failed);
            if (indexed) {
                status.setCompletedIndexes(IndexRanges.format(completed));
                if (backoffLimitPerIndex != null) {
                    status.setFailedIndexes(Optional.ofNullable(IndexRanges.format(failedIndexes))
                            .orElse(""));
                }
            }
            status.setUncountedTerminatedPods(new UncountedTerminatedPods());
            status.setConditions(conditions);
            return new Result(status, create, delete, release, events);
        }

        private boolean ignoredByPolicy(Pod pod) {
            return PodFailurePolicyMatcher.match(spec.getPodFailurePolicy(), pod)
                    .filter(m -> m.action() == PodFailurePolicyMatcher.Action.Ignore)
                    .isPresent();
        }

        private void decideTarget(
                String failJobMessage, BitSet completed, BitSet failedIndexes, int failed, int succeeded) {
            int backoffLimit = Optional.ofNullable(spec.getBackoffLimit())
                    .orElse(backoffLimitPerIndex != null ? Integer.MAX_VALUE : DEFAULT_BACKOFF_LIMIT);
            Instant startTime = K8sTime.parse(previous.getStartTime());
            if (failJobMessage != null) {
                target("FailureTarget", "PodFailurePolicy", failJobMessage);
            } else if (indexed
                    && spec.getMaxFailedIndexes() != null
                    && failedIndexes.cardinality() > spec.getMaxFailedIndexes()) {
                target(
                        "FailureTarget",
                        "MaxFailedIndexesExceeded",
                        "Job has exceeded the specified maximal number of failed indexes");
            } else if (failed > backoffLimit) {
                target("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
            } else if (spec.getActiveDeadlineSeconds() != null
                    && startTime != null
                    && !Boolean.TRUE.equals(spec.getSuspend())
                    && !now.isBefore(startTime.plusSeconds(spec.getActiveDeadlineSeconds()))) {
                target("FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline");
            } else if (indexed) {
                BitSet settled = (BitSet) completed.clone();
                settled.or(failedIndexes);
                if (settled.nextClearBit(0) >= completions) {
                    if (failedIndexes.isEmpty()) {
                        target("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods");
                    } else {
                        target("FailureTarget", "FailedIndexes", "Job has failed indexes");
                    }
                }
            } else if (succeeded >= completions) {
                target("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods");
            }
        }

        private void target(String type, String reason, String message) {
            setCondition(type, "True", reason, message);
            events.add(type + ": " + reason + ": " + message);
        }

        private void finish() {
            JobCondition target = conditions.stream()
                    .filter(c -> "True".equals(c.getStatus()))
                    .filter(c ->
                            c.getType().equals("FailureTarget") || c.getType().equals("SuccessCriteriaMet"))
                    .findFirst()
                    .orElseThrow();
            String type = target.getType().equals("FailureTarget") ? "Failed" : "Complete";
            setCondition(type, "True", target.getReason(), target.getMessage());
            events.add(type + ": " + target.getReason());
        }

        private void scheduleWork(BitSet completed, BitSet failedIndexes, int succeeded, Map<Integer, Held> held) {
            boolean waitForFailed = "Failed".equals(spec.getPodReplacementPolicy())
                    || (spec.getPodReplacementPolicy() == null && spec.getPodFailurePolicy() != null);
            List<Pod> active = new ArrayList<>(pods.stream()
                    .filter(JobSync::isActive)
                    .filter(p -> !delete.contains(p))
                    .toList());
            // With podReplacementPolicy Failed a terminating pod still takes its parallelism slot.
            long terminating =
                    waitForFailed ? pods.stream().filter(JobSync::isTerminating).count() : 0;
            if (indexed) {
                BitSet busy = new BitSet();
                List<Pod> duplicates = new ArrayList<>();
                for (Pod p : active) {
                    int i = indexOf(p);
                    if (busy.get(i) || completed.get(i) || failedIndexes.get(i)) {
                        duplicates.add(p);
                    }
                    busy.set(i);
                }
                if (waitForFailed) {
                    pods.stream().filter(JobSync::isTerminating).forEach(p -> busy.set(indexOf(p)));
                }
                delete.addAll(duplicates);
                active.removeAll(duplicates);
                int excess = active.size() - parallelism;
                if (excess > 0) {
                    active.stream()
                            .sorted(ACTIVE_PODS_ORDER)
                            .limit(Math.min(excess, MAX_POD_CREATE_DELETE_PER_SYNC))
                            .forEach(delete::add);
                    return;
                }
                long room = Math.min(parallelism - active.size() - terminating, MAX_POD_CREATE_DELETE_PER_SYNC);
                for (int i = 0; i < completions && room > 0; i++) {
                    if (completed.get(i) || failedIndexes.get(i) || busy.get(i)) {
                        continue;
                    }
                    Held last = held.get(i);
                    if (last != null && now.isBefore(last.at().plus(backoff.after(last.failures() + last.ignored())))) {
                        continue;
                    }
                    create.add(new NewPod(i, last == null ? 0 : last.failures(), last == null ? 0 : last.ignored()));
                    room--;
                }
                if (backoffLimitPerIndex == null && !create.isEmpty() && inJobBackoff()) {
                    create.clear();
                }
            } else {
                int wanted = Math.min(parallelism, completions - succeeded);
                int missing = (int) (wanted - active.size() - terminating);
                if (missing < 0) {
                    active.stream()
                            .sorted(ACTIVE_PODS_ORDER)
                            .limit(Math.min(-missing, MAX_POD_CREATE_DELETE_PER_SYNC))
                            .forEach(delete::add);
                }
                if (missing > 0 && inJobBackoff()) {
                    return;
                }
                for (int i = 0; i < Math.min(missing, MAX_POD_CREATE_DELETE_PER_SYNC); i++) {
                    create.add(new NewPod(null, 0, 0));
                }
            }
        }

        /**
         * The Job-wide backoff of jobs without per-index limits (backoffRecord): failures since the
         * last success, the delay counted from the newest one.
         */
        private boolean inJobBackoff() {
            Instant lastSuccess = pods.stream()
                    .filter(JobSync::isSucceeded)
                    .map(backoff.failedAt())
                    .max(Comparator.naturalOrder())
                    .orElse(Instant.MIN);
            List<Instant> failures = pods.stream()
                    .filter(JobSync::isFailed)
                    .map(backoff.failedAt())
                    .filter(t -> t.isAfter(lastSuccess))
                    .toList();
            if (failures.isEmpty()) {
                return false;
            }
            Instant last = failures.stream().max(Comparator.naturalOrder()).orElseThrow();
            return now.isBefore(last.plus(backoff.after(failures.size())));
        }

        private boolean hasTrue(String type) {
            return conditions.stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
        }

        /** Keeps lastTransitionTime when the status does not change, as the API's conditions do. */
        private void setCondition(String type, String status, String reason, String message) {
            String time = K8sTime.format(now);
            for (JobCondition c : conditions) {
                if (c.getType().equals(type)) {
                    if (!status.equals(c.getStatus())) {
                        c.setLastTransitionTime(time);
                    }
                    c.setStatus(status);
                    c.setReason(reason);
                    c.setMessage(message);
                    c.setLastProbeTime(time);
                    return;
                }
            }
            conditions.add(new JobCondition(time, time, message, reason, status, type));
        }

        private static JobCondition copy(JobCondition c) {
            return new JobCondition(
                    c.getLastProbeTime(),
                    c.getLastTransitionTime(),
                    c.getMessage(),
                    c.getReason(),
                    c.getStatus(),
                    c.getType());
        }

        static Integer indexOf(Pod pod) {
            Map<String, String> annotations = pod.getMetadata().getAnnotations();
            String value = annotations == null ? null : annotations.get(COMPLETION_INDEX);
            return value == null ? null : Integer.valueOf(value);
        }

        private static int annotation(Pod pod, String key) {
            Map<String, String> annotations = pod.getMetadata().getAnnotations();
            String value = annotations == null ? null : annotations.get(key);
            return value == null ? 0 : Integer.parseInt(value);
        }
    }

    /** When a finished pod's container finished, as its status says (whole seconds). */
    static Instant finishedAt(Pod pod) {
        return pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
                ? Instant.EPOCH
                : pod.getStatus().getContainerStatuses().stream()
                        .filter(cs -> cs.getState() != null && cs.getState().getTerminated() != null)
                        .map(cs -> K8sTime.parse(cs.getState().getTerminated().getFinishedAt()))
                        .filter(Objects::nonNull)
                        .max(Comparator.naturalOrder())
                        .orElse(Instant.EPOCH);
    }

    /**
     * controller.ActivePods (pkg/controller/controller_utils.go): the order in which active pods are
     * deleted — unscheduled before scheduled, Pending before Unknown before Running, not ready
     * before ready, ready for less time before ready for longer, more restarts first, newer first.
     * The name breaks the remaining ties, so a pass is deterministic.
     */
    static final Comparator<Pod> ACTIVE_PODS_ORDER = Comparator.comparing((Pod p) -> p.getSpec() != null
                    && p.getSpec().getNodeName() != null
                    && !p.getSpec().getNodeName().isEmpty())
            .thenComparingInt(JobSync::phaseOrdinal)
            .thenComparing(JobSync::isReady)
            .thenComparing(
                    Comparator.comparing(JobSync::readySince, Comparator.nullsLast(Comparator.<Instant>naturalOrder()))
                            .reversed())
            .thenComparing(Comparator.comparingInt(JobSync::maxRestarts).reversed())
            .thenComparing(Comparator.comparing((Pod p) -> Optional.ofNullable(
                                    K8sTime.parse(p.getMetadata().getCreationTimestamp()))
                            .orElse(Instant.MAX))
                    .reversed())
            .thenComparing(p -> p.getMetadata().getName());

    private static int phaseOrdinal(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return phase == null || phase.equals("Pending") ? 0 : phase.equals("Running") ? 2 : 1;
    }

    /** When a ready pod became ready; null (sorted as "no time", i.e. first among ready ones) when unknown or not ready. */
    private static Instant readySince(Pod pod) {
        if (!isReady(pod)) {
            return null;
        }
        return pod.getStatus().getConditions().stream()
                .filter(c -> "Ready".equals(c.getType()))
                .map(c -> K8sTime.parse(c.getLastTransitionTime()))
                .filter(Objects::nonNull)
                .findFirst()
                .orElse(null);
    }

    private static int maxRestarts(Pod pod) {
        return pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
                ? 0
                : pod.getStatus().getContainerStatuses().stream()
                        .mapToInt(cs -> nz(cs.getRestartCount()))
                        .max()
                        .orElse(0);
    }

    private static int nz(Integer value) {
        return value == null ? 0 : value;
    }

    static boolean isTracked(Pod pod) {
        List<String> finalizers = pod.getMetadata().getFinalizers();
        return finalizers != null && finalizers.contains(TRACKING_FINALIZER);
    }

    static boolean isSucceeded(Pod pod) {
        return pod.getStatus() != null && "Succeeded".equals(pod.getStatus().getPhase());
    }

    static boolean isFailed(Pod pod) {
        return pod.getStatus() != null && "Failed".equals(pod.getStatus().getPhase());
    }

    static boolean isTerminal(Pod pod) {
        return isSucceeded(pod) || isFailed(pod);
    }

    static boolean isTerminating(Pod pod) {
        return !isTerminal(pod) && pod.getMetadata().getDeletionTimestamp() != null;
    }

    static boolean isActive(Pod pod) {
        return !isTerminal(pod) && pod.getMetadata().getDeletionTimestamp() == null;
    }

    static boolean isReady(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return "True".equals(c.getStatus());
            }
        }
        return false;
    }
}
