package io.palimpsest.operator.job.observe;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.operator.job.ranges.RangeSet;
import io.palimpsest.operator.pods.PodReadings;
import io.palimpsest.operator.status.Rfc3339;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;

/** Reads Jobs and Pods, as the Job controller and the kubelet write them, into the fold's plain values. */
public final class ClusterReadings {
    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** The state of a planner or tally Job. */
    public enum HelperState {
        ABSENT,
        RUNNING,
        SUCCEEDED,
        FAILED
    }

    private ClusterReadings() {}

    public static WorkerJobView workerJob(Job job) {
        if (job == null) {
            return WorkerJobView.absent();
        }
        JobStatus s = job.getStatus();
        if (s == null) {
            return new WorkerJobView(RangeSet.empty(), RangeSet.empty(), 0, WorkerJobView.State.RUNNING, null);
        }
        WorkerJobView.State state = WorkerJobView.State.RUNNING;
        Instant finishedAt = null;
        JobCondition complete = end(job, "Complete", "SuccessCriteriaMet");
        JobCondition failed = end(job, "Failed", "FailureTarget");
        if (complete != null) {
            state = WorkerJobView.State.COMPLETE;
            finishedAt = time(complete.getLastTransitionTime());
        } else if (failed != null) {
            state = switch (failed.getReason() == null ? "" : failed.getReason()) {
                case "FailedIndexes" ->
                    everyIndexFailed(job)
                            ? WorkerJobView.State.TOO_MANY_FAILED_SHARDS
                            : WorkerJobView.State.FINISHED_WITH_FAILED_SHARDS;
                case "MaxFailedIndexesExceeded" -> WorkerJobView.State.TOO_MANY_FAILED_SHARDS;
                default -> WorkerJobView.State.FAILED;
            };
            finishedAt = time(failed.getLastTransitionTime());
        }
        return new WorkerJobView(
                RangeSet.parse(s.getCompletedIndexes()),
                RangeSet.parse(s.getFailedIndexes()),
                s.getActive() == null ? 0 : s.getActive(),
                state,
                finishedAt);
    }

    /**
     * Every index of the worker Job failed: no shard committed. Within {@code maxFailedIndexes} (a
     * {@code retry.maxFailedShards} at or above the shard count) the Job controller still calls it
     * FailedIndexes, but a campaign with nothing committed is no partial success: what failed every
     * shard (a model down past every attempt, input no worker can read) is the same for all of them.
     * Failed indexes are never counted before they failed, so a lagging status can only miss this.
     */
    private static boolean everyIndexFailed(Job job) {
        Integer completions = job.getSpec() == null ? null : job.getSpec().getCompletions();
        return completions != null
                && completions > 0
                && RangeSet.parse(job.getStatus().getFailedIndexes()).cardinality() >= completions;
    }

    public static HelperState helperJob(Job job) {
        if (job == null) {
            return HelperState.ABSENT;
        }
        if (end(job, "Complete", "SuccessCriteriaMet") != null) {
            return HelperState.SUCCEEDED;
        }
        if (end(job, "Failed", "FailureTarget") != null) {
            return HelperState.FAILED;
        }
        return HelperState.RUNNING;
    }

    /** When a helper Job that {@link HelperState#SUCCEEDED} got that condition, or null (another state, or no time). */
    public static Instant succeededAt(Job job) {
        JobCondition c = job == null ? null : end(job, "Complete", "SuccessCriteriaMet");
        return c == null ? null : time(c.getLastTransitionTime());
    }

    /** A terminated pod of the worker Job, or empty while it runs (or when it is not an indexed pod). */
    public static Optional<FinishedPod> finishedPod(Pod pod) {
        return finishedPod(pod, RangeSet.empty());
    }

    /**
     * As {@link #finishedPod(Pod)}, but a succeeded pod whose shard is already counted is skipped
     * before its message is parsed: with thousands of terminated pods in the cache, a reconcile
     * parses only the few that can still change the totals.
     */
    public static Optional<FinishedPod> finishedPod(Pod pod, RangeSet alreadyCounted) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if (!"Succeeded".equals(phase) && !"Failed".equals(phase)) {
            return Optional.empty();
        }
        Integer shard = intAnnotation(pod, RewriteJobNames.COMPLETION_INDEX);
        if (shard == null) {
            return Optional.empty();
        }
        if ("Succeeded".equals(phase) && alreadyCounted.contains(shard)) {
            return Optional.empty();
        }
        Integer failures = intAnnotation(pod, RewriteJobNames.INDEX_FAILURE_COUNT);
        ContainerStateTerminated terminated = terminated(pod);
        String message = terminated == null ? null : terminated.getMessage();
        ShardSummary summary = shardSummary(message, terminated == null ? null : terminated.getExitCode());
        boolean disrupted = pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                        .anyMatch(c -> "DisruptionTarget".equals(c.getType()) && "True".equals(c.getStatus()));
        int attempt = failures != null ? failures : summary != null ? summary.getAttempt() : 0;
        return Optional.of(new FinishedPod(
                shard,
                attempt,
                "Succeeded".equals(phase),
                disrupted,
                summary,
                terminated == null ? null : terminated.getExitCode(),
                terminated == null ? null : terminated.getReason(),
                summary == null ? message : null,
                terminated == null ? null : time(terminated.getFinishedAt())));
    }

    /** The termination message of a finished pod, parsed as {@code type}; empty when absent or not that JSON. */
    public static <T> Optional<T> message(Pod pod, Class<T> type) {
        ContainerStateTerminated terminated = terminated(pod);
        return Optional.ofNullable(terminated == null ? null : parse(terminated.getMessage(), type));
    }

    /** A short human account of why a helper pod failed (its termination reason and message). */
    public static String failureText(Pod pod) {
        return failureText(pod, MESSAGE_LIMIT);
    }

    /**
     * Why the planner's pod failed, for the job's PlanningFailed condition: one per job, so its refusal is kept
     * whole up to {@link #PLANNER_MESSAGE_LIMIT} characters (a refusal naming three files, say, and how many more),
     * where a shard's failure is cut at {@link #MESSAGE_LIMIT}.
     */
    public static String plannerFailureText(Pod pod) {
        return failureText(pod, PLANNER_MESSAGE_LIMIT);
    }

    private static String failureText(Pod pod, int limit) {
        ContainerStateTerminated t = terminated(pod);
        if (t == null) {
            return null;
        }
        String text =
                (t.getReason() == null ? "exit " + t.getExitCode() : t.getReason() + " (exit " + t.getExitCode() + ")")
                        + (t.getMessage() == null || t.getMessage().isBlank()
                                ? ""
                                : ": " + t.getMessage().strip());
        return PodReadings.cut(text, limit);
    }

    static ContainerStateTerminated terminated(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return null;
        }
        return pod.getStatus().getContainerStatuses().stream()
                .filter(c -> RewriteJobNames.CONTAINER.equals(c.getName()))
                .map(ContainerStatus::getState)
                .filter(s -> s != null && s.getTerminated() != null)
                .map(s -> s.getTerminated())
                .findFirst()
                .orElse(null);
    }

    /** The newest of several pods (retries of a helper Job). */
    public static Comparator<Pod> newestFirst() {
        return Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp() == null
                        ? ""
                        : p.getMetadata().getCreationTimestamp())
                .reversed();
    }

    /**
     * The Job's end: since Kubernetes 1.31 the controller first sets FailureTarget or
     * SuccessCriteriaMet (same reason and message) and adds Failed or Complete only once every pod
     * has terminated, which takes a grace period and, for a pod on an unreachable node, may never
     * happen. The outcome is decided at the first condition, so that is when the job has ended.
     */
    static JobCondition end(Job job, String terminal, String target) {
        JobCondition c = condition(job, terminal);
        return c != null ? c : condition(job, target);
    }

    static JobCondition condition(Job job, String type) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return null;
        }
        return job.getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
                .findFirst()
                .orElse(null);
    }

    static boolean hasCondition(PodCondition c, String type) {
        return type.equals(c.getType()) && "True".equals(c.getStatus());
    }

    /** A helper pod's JSON termination message (a plan, a preview's estimate); a worker's shard summary is {@link #shardSummary}. */
    private static <T> T parse(String message, Class<T> type) {
        if (message == null || !message.strip().startsWith("{")) {
            return null;
        }
        try {
            return JSON.readValue(message.strip(), type);
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * A worker's shard summary in its termination message, or null. It must be the JSON object that
     * is the message's whole last line (the message is the worker's file, one JSON object, or, for a
     * container that failed without writing it (FallbackToLogsOnError), the tail of its log, cut
     * anywhere: its first line may begin inside a log line or a document's JSON and is never read;
     * text after the object refuses it) and carry an outcome. A container that failed (exit code other than 0) may have
     * left its log's tail instead of a summary, and any line of a log can start with '{' (a document
     * excerpt, a server's echoed body): there it must also carry the worker's marker, {@code kind:
     * ShardSummary}. Only a pod that exited 0 (whose message is never from its log) is read without
     * one, as workers before the marker wrote it.
     */
    static ShardSummary shardSummary(String message, Integer exitCode) {
        ObjectNode line = lastLineObject(message);
        if (line == null || !line.path("outcome").isTextual()) {
            return null;
        }
        boolean marked = ShardSummary.KIND.equals(line.path("kind").asText(null));
        boolean fromTheFile =
                exitCode != null && exitCode == 0 && message.strip().indexOf('\n') < 0;
        if (!marked && !fromTheFile) {
            return null;
        }
        try {
            return JSON.treeToValue(line, ShardSummary.class);
        } catch (Exception e) {
            return null;
        }
    }

    private static ObjectNode lastLineObject(String message) {
        if (message == null) {
            return null;
        }
        String text = message.strip();
        String last = text.substring(text.lastIndexOf('\n') + 1).strip();
        if (!last.startsWith("{") || !last.endsWith("}")) {
            return null;
        }
        try (JsonParser parser = JSON.getFactory().createParser(last)) {
            JsonNode node = JSON.readTree(parser);
            if (!(node instanceof ObjectNode object) || parser.nextToken() != null) {
                return null; // not an object, or more after it on the line
            }
            return object;
        } catch (Exception e) {
            return null;
        }
    }

    private static Integer intAnnotation(Pod pod, String key) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        String v = annotations == null ? null : annotations.get(key);
        if (v == null && pod.getMetadata().getLabels() != null) {
            v = pod.getMetadata().getLabels().get(key);
        }
        try {
            return v == null ? null : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Instant time(String rfc3339) {
        try {
            return Rfc3339.parse(rfc3339);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The pod has ended (Succeeded or Failed): its summary, if any, is in its termination message. */
    public static boolean podTerminated(Pod pod) {
        return PodReadings.terminated(pod);
    }

    /** Messages are cut so status.recentFailures' 20 entries stay within a few KiB. */
    public static final int MESSAGE_LIMIT = PodReadings.MESSAGE_LIMIT;

    /**
     * The planner's failure in the job's condition: the pod's termination message is at most 4 KiB (the kubelet's
     * bound), and one condition of this size keeps the status small.
     */
    public static final int PLANNER_MESSAGE_LIMIT = 2048;

    /** A pod's words on one line, at most {@link #MESSAGE_LIMIT} characters, as the status shows them. */
    public static String cut(String message) {
        return PodReadings.cut(message);
    }
}
