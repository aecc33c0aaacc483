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

/**
 * One pass of the Job controller over one Job and its pods, as a pure function: what to create,
 * what to delete, and the status to write. It follows batch/v1 as of Kubernetes 1.31:
 * <ul>
 * <li>Indexed and NonIndexed completion modes; parallelism, completions; {@code completedIndexes} /
 *     {@code failedIndexes}; {@code succeeded} = completed indexes in Indexed mode.</li>
 * <li>{@code backoffLimit} (default 6, or unlimited with {@code backoffLimitPerIndex}),
 *     {@code backoffLimitPerIndex} (per-index counts carried by each replacement pod's
 *     {@code job-index-failure-count} / {@code job-index-ignored-failure-count} annotations, as the
 *     real controller does), {@code maxFailedIndexes}.</li>
 * <li>{@code podFailurePolicy}: FailJob, FailIndex, Ignore, Count, first matching rule wins.</li>
 * <li>{@code podReplacementPolicy}: Failed (a terminating pod blocks its index until it is Failed)
 *     or TerminatingOrFailed.</li>
 * <li>suspend / resume (Suspended condition, startTime reset on resume), activeDeadlineSeconds.</li>
 * <li>Terminal conditions in two steps: FailureTarget / SuccessCriteriaMet first, then Failed /
 *     Complete once no pod is left running.</li>
 * <li>Pods are tracked with the {@code batch.kubernetes.io/job-tracking} finalizer: a finished pod is
 *     counted into the status first and released after, so status counters never go backwards and a
 *     pod is counted once even when garbage-collected later. Pods the controller deletes itself
 *     (suspend, scale-in, job finished) are released before deletion and never counted as failures.</li>
 * </ul>
 * Not modelled: the exponential pod-failure backoff delay (replacements start at once unless the
 * caller configures a delay), successPolicy, managedBy, pod-level restart (restartPolicy OnFailure),
 * the 1,000-entry cap on uncountedTerminatedPods.
 */
final class JobSync {

    static final String TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
    static final String COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";
    static final String FAILURE_COUNT = "batch.kubernetes.io/job-index-failure-count";
    static final String IGNORED_FAILURE_COUNT = "batch.kubernetes.io/job-index-ignored-failure-count";
    static final String CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
    static final String JOB_NAME = "batch.kubernetes.io/job-name";

    private static final int DEFAULT_BACKOFF_LIMIT = 6;

    /** A pod to create; index null in NonIndexed mode. */
    record NewPod(Integer index, int failureCount, int ignoredFailureCount) {
    }

    /**
     * @param status  the status to write (written only when it differs from the current one)
     * @param create  pods to create
     * @param delete  running pods to delete, uncounted (release their finalizer first)
     * @param release finished pods whose outcome is in {@code status}: remove their finalizer after the write
     * @param events  what happened, for the event log
     */
    record Result(JobStatus status, List<NewPod> create, List<Pod> delete, List<Pod> release, List<String> events) {
    }

    private JobSync() {
    }

    static Result sync(Job job, List<Pod> pods, Instant now, Duration replacementDelay) {
        return new Pass(job, pods, now, replacementDelay).run();
    }

    private static final class Pass {
        private final Job job;
        private final JobSpec spec;
        private final JobStatus previous;
        private final List<Pod> pods;
        private final Instant now;
        private final Duration replacementDelay;
        private final boolean indexed;
        private final int completions;
        private final int parallelism;
        private final Integer backoffLimitPerIndex;
        private final List<NewPod> create = new ArrayList<>();
        private final List<Pod> delete = new ArrayList<>();
        private final List<Pod> release = new ArrayList<>();
        private final List<String> events = new ArrayList<>();
        private final List<JobCondition> conditions = new ArrayList<>();

        Pass(Job job, List<Pod> pods, Instant now, Duration replacementDelay) {
            this.job = job;
            this.spec = job.getSpec();
            this.previous = Optional.ofNullable(job.getStatus()).orElseGet(JobStatus::new);
            this.pods = pods;
            this.now = now;
            this.replacementDelay = replacementDelay;
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
            Map<Integer, Integer> failureCounts = new HashMap<>();
            Map<Integer, Integer> ignoredCounts = new HashMap<>();
            Map<Integer, Instant> lastFailure = new HashMap<>();
            String failJobMessage = null;

            for (Pod pod : pods) {
                Integer index = indexOf(pod);
                if (indexed && (index == null || index >= completions)) {
                    if (isActive(pod)) {
                        delete.add(pod);
                    }
                    continue;
                }
                int baseFailures = annotation(pod, FAILURE_COUNT);
                int baseIgnored = annotation(pod, IGNORED_FAILURE_COUNT);
                boolean tracked = isTracked(pod);
                if (isSucceeded(pod)) {
                    if (indexed) {
                        completed.set(index);
                    } else if (tracked) {
                        succeeded++;
                    }
                } else if (isFailed(pod)) {
                    PodFailurePolicyMatcher.Action action = PodFailurePolicyMatcher.match(spec.getPodFailurePolicy(), pod)
                            .map(m -> m.action()).orElse(PodFailurePolicyMatcher.Action.Count);
                    if (action == PodFailurePolicyMatcher.Action.Ignore) {
                        baseIgnored++;
                    } else {
                        if (action == PodFailurePolicyMatcher.Action.Count) {
                            baseFailures++;
                        }
                        if (tracked) {
                            failed++;
                        }
                    }
                    if (action == PodFailurePolicyMatcher.Action.FailIndex && indexed && backoffLimitPerIndex != null) {
                        failedIndexes.set(index);
                    }
                    if (action == PodFailurePolicyMatcher.Action.FailJob && tracked && failJobMessage == null) {
                        failJobMessage = PodFailurePolicyMatcher.match(spec.getPodFailurePolicy(), pod).orElseThrow().message();
                    }
                    if (index != null) {
                        lastFailure.merge(index, finishedAt(pod), (a, b) -> a.isAfter(b) ? a : b);
                    }
                }
                if (index != null) {
                    failureCounts.merge(index, baseFailures, Math::max);
                    ignoredCounts.merge(index, baseIgnored, Math::max);
                }
                if (tracked && isTerminal(pod)) {
                    release.add(pod);
                }
            }
            if (indexed && backoffLimitPerIndex != null) {
                failureCounts.forEach((index, count) -> {
                    if (count > backoffLimitPerIndex && !completed.get(index)) {
                        failedIndexes.set(index);
                    }
                });
            }
            failedIndexes.andNot(completed);
            if (indexed) {
                succeeded = completed.cardinality();
            }

            boolean finished = hasTrue("Complete") || hasTrue("Failed");
            if (!finished && !hasTrue("FailureTarget") && !hasTrue("SuccessCriteriaMet")) {
                decideTarget(failJobMessage, completed, failedIndexes, failed, succeeded);
            }
            boolean targetSet = hasTrue("FailureTarget") || hasTrue("SuccessCriteriaMet");
            boolean suspended = Boolean.TRUE.equals(spec.getSuspend());
            Instant startTime = K8sTime.parse(previous.getStartTime());

            if (finished || targetSet) {
                pods.stream().filter(JobSync::isActive).filter(p -> !delete.contains(p)).forEach(delete::add);
                if (!finished && pods.stream().noneMatch(p -> !isTerminal(p) && !delete.contains(p))) {
                    finish();
                }
            } else if (suspended) {
                pods.stream().filter(JobSync::isActive).filter(p -> !delete.contains(p)).forEach(delete::add);
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
                scheduleWork(completed, failedIndexes, succeeded, failureCounts, ignoredCounts, lastFailure);
            }

            JobStatus status = new JobStatus();
            status.setStartTime(startTime == null ? null : K8sTime.format(startTime));
            status.setCompletionTime(hasTrue("Complete")
                    ? Optional.ofNullable(previous.getCompletionTime()).orElse(K8sTime.format(now)) : null);
            List<Pod> remaining = pods.stream().filter(p -> !delete.contains(p)).toList();
            int active = (int) remaining.stream().filter(JobSync::isActive).count() + create.size();
            status.setActive(active);
            status.setReady((int) remaining.stream().filter(JobSync::isActive).filter(JobSync::isReady).count());
            status.setTerminating((int) remaining.stream().filter(JobSync::isTerminating).count());
            status.setSucceeded(succeeded);
            status.setFailed(failed);
            if (indexed) {
                status.setCompletedIndexes(IndexRanges.format(completed));
                if (backoffLimitPerIndex != null) {
                    status.setFailedIndexes(Optional.ofNullable(IndexRanges.format(failedIndexes)).orElse(""));
                }
            }
            status.setUncountedTerminatedPods(new UncountedTerminatedPods());
            status.setConditions(conditions);
            return new Result(status, create, delete, release, events);
        }

        private void decideTarget(String failJobMessage, BitSet completed, BitSet failedIndexes, int failed, int succeeded) {
            int backoffLimit = Optional.ofNullable(spec.getBackoffLimit())
                    .orElse(backoffLimitPerIndex != null ? Integer.MAX_VALUE : DEFAULT_BACKOFF_LIMIT);
            Instant startTime = K8sTime.parse(previous.getStartTime());
            if (failJobMessage != null) {
                target("FailureTarget", "PodFailurePolicy", failJobMessage);
            } else if (indexed && spec.getMaxFailedIndexes() != null && failedIndexes.cardinality() > spec.getMaxFailedIndexes()) {
                target("FailureTarget", "MaxFailedIndexesExceeded", "Job has exceeded the specified maximal number of failed indexes");
            } else if (failed > backoffLimit) {
                target("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
            } else if (spec.getActiveDeadlineSeconds() != null && startTime != null && !Boolean.TRUE.equals(spec.getSuspend())
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
                    .filter(c -> c.getType().equals("FailureTarget") || c.getType().equals("SuccessCriteriaMet"))
                    .findFirst().orElseThrow();
            String type = target.getType().equals("FailureTarget") ? "Failed" : "Complete";
            setCondition(type, "True", target.getReason(), target.getMessage());
            events.add(type + ": " + target.getReason());
        }

        private void scheduleWork(BitSet completed, BitSet failedIndexes, int succeeded, Map<Integer, Integer> failureCounts,
                                  Map<Integer, Integer> ignoredCounts, Map<Integer, Instant> lastFailure) {
            boolean waitForFailed = "Failed".equals(spec.getPodReplacementPolicy())
                    || (spec.getPodReplacementPolicy() == null && spec.getPodFailurePolicy() != null);
            List<Pod> active = new ArrayList<>(pods.stream().filter(JobSync::isActive).filter(p -> !delete.contains(p)).toList());
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
                    active.stream().sorted(Comparator.comparing(Pass::indexOf).reversed()).limit(excess).forEach(delete::add);
                    return;
                }
                int room = parallelism - active.size();
                for (int i = 0; i < completions && room > 0; i++) {
                    if (completed.get(i) || failedIndexes.get(i) || busy.get(i)) {
                        continue;
                    }
                    Instant failedAt = lastFailure.get(i);
                    if (failedAt != null && now.isBefore(failedAt.plus(replacementDelay))) {
                        continue;
                    }
                    create.add(new NewPod(i, failureCounts.getOrDefault(i, 0), ignoredCounts.getOrDefault(i, 0)));
                    room--;
                }
            } else {
                int wanted = Math.min(parallelism, completions - succeeded);
                long terminating = waitForFailed ? pods.stream().filter(JobSync::isTerminating).count() : 0;
                int missing = (int) (wanted - active.size() - terminating);
                if (missing < 0) {
                    active.stream().limit(-missing).forEach(delete::add);
                }
                for (int i = 0; i < missing; i++) {
                    create.add(new NewPod(null, 0, 0));
                }
            }
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
            return new JobCondition(c.getLastProbeTime(), c.getLastTransitionTime(), c.getMessage(), c.getReason(),
                    c.getStatus(), c.getType());
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

        private static Instant finishedAt(Pod pod) {
            return pod.getStatus().getContainerStatuses() == null ? Instant.EPOCH : pod.getStatus().getContainerStatuses().stream()
                    .filter(cs -> cs.getState() != null && cs.getState().getTerminated() != null)
                    .map(cs -> K8sTime.parse(cs.getState().getTerminated().getFinishedAt()))
                    .filter(Objects::nonNull)
                    .max(Comparator.naturalOrder()).orElse(Instant.EPOCH);
        }

        private static int nz(Integer value) {
            return value == null ? 0 : value;
        }
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
