package io.palimpsest.operator.job.observe;

import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.lint.StorageUris;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.operator.status.ConditionAggregator;
import io.palimpsest.operator.status.Rfc3339;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A job reads another job's output only once that job has Succeeded. A RewriteJob whose
 * {@code spec.input.uri} is another job's {@code spec.output.uri}, inside it or around it, would plan
 * the shards that job has committed at that moment, and Succeed with a fraction of the campaign (two
 * chained stages applied at once by GitOps). So a job that has not started waits while such an
 * upstream job has not Succeeded ({@link JobReason#InputInProgress}, naming it and its progress), and
 * plans once it has. An upstream that will not finish by itself (Failed, or Pending until someone fixes
 * it) holds the job with {@link JobReason#InputIncomplete}, naming it and why; so does a cycle of jobs
 * each reading the next one's output, named whole. A job that has started is never held: its plan is
 * fixed.
 *
 * <p>Places are compared as {@link SharedOutput} compares outputs: an s3:// URI is the same place from
 * any namespace, a pvc:// (or file://) one only within its namespace. The upstream jobs of a job are
 * one lookup of the outputs at or below its input ({@link SharedOutput#BY_OUTPUT_TREE}) and one exact
 * lookup per folder above it; the jobs that read a job's output, to reconcile them when it changes, are
 * found the same way from {@link #BY_INPUT_TREE} and {@link #BY_INPUT}.
 */
public final class UpstreamInput {
    /** The index of RewriteJobs by {@link #key}: the jobs that read one input. */
    public static final String BY_INPUT = "byInput";
    /** The index of RewriteJobs by every folder of their input, itself included. */
    public static final String BY_INPUT_TREE = "byInputTree";

    /** How far a chain of waiting jobs is followed to find a cycle. */
    private static final int MAX_WALK = 1000;

    /** Why the job waits before it plans. */
    public record Wait(JobReason reason, String message) {}

    private UpstreamInput() {}

    /** Where the job reads, as the indexes key it (as {@link SharedOutput#key} keys outputs); null for none. */
    public static String key(RewriteJob job) {
        if (job.getSpec() == null || job.getSpec().getInput() == null) {
            return null;
        }
        return FolderIndex.key(job, job.getSpec().getInput().getUri());
    }

    /** The {@link #BY_INPUT} keys for the job: its input's, or none. */
    public static List<String> keys(RewriteJob job) {
        String key = key(job);
        return key == null ? List.of() : List.of(key);
    }

    /** The {@link #BY_INPUT_TREE} keys for the job: every folder of its input from the root, itself included. */
    public static List<String> treeKeys(RewriteJob job) {
        return FolderIndex.tree(key(job));
    }

    /** The jobs whose output is the job's input, inside it or around it (the job itself is never among them). */
    public static Collection<RewriteJob> upstreams(RewriteJob job, SharedOutput.Index index) {
        return overlapping(job, key(job), SharedOutput.BY_OUTPUT_TREE, SharedOutput.BY_OUTPUT, index);
    }

    /** The jobs whose input is the job's output, inside it or around it: those to look at again when it changes. */
    public static Collection<RewriteJob> dependents(RewriteJob job, SharedOutput.Index index) {
        return overlapping(job, SharedOutput.key(job), BY_INPUT_TREE, BY_INPUT, index);
    }

    private static Collection<RewriteJob> overlapping(
            RewriteJob job, String key, String treeIndex, String exactIndex, SharedOutput.Index index) {
        Map<String, RewriteJob> found = new LinkedHashMap<>();
        for (RewriteJob j : FolderIndex.overlapping(key, treeIndex, exactIndex, index)) {
            found.put(id(j), j);
        }
        found.remove(id(job));
        return found.values();
    }

    /** {@link #waitFor(RewriteJob, SharedOutput.Index, UnaryOperator)} with the jobs as the index holds them. */
    public static Optional<Wait> waitFor(RewriteJob job, SharedOutput.Index index) {
        return waitFor(job, index, UnaryOperator.identity());
    }

    /**
     * Why the job may not plan yet: an upstream job that has not Succeeded, named with its phase and
     * progress; empty when there is none. Called only for a job that has not started.
     *
     * @param freshest the newest known version of a job the index gave, or null when it is known deleted (the
     *                 event that woke this job may come from another cache than the index's, ahead of it)
     */
    public static Optional<Wait> waitFor(RewriteJob job, SharedOutput.Index index, UnaryOperator<RewriteJob> freshest) {
        List<RewriteJob> unfinished = unfinishedUpstreams(job, index, freshest);
        if (unfinished.isEmpty()) {
            return Optional.empty();
        }
        String input = job.getSpec().getInput().getUri();
        List<RewriteJob> cycle = cycle(job, index, freshest);
        if (cycle != null) {
            StringBuilder chain = new StringBuilder("RewriteJob " + id(job));
            for (RewriteJob j : cycle) {
                chain.append(" reads the output of RewriteJob ")
                        .append(id(j))
                        .append(" (")
                        .append(j.getSpec().getOutput().getUri())
                        .append("), which");
            }
            chain.append(" reads this job's output (")
                    .append(job.getSpec().getOutput().getUri())
                    .append(")");
            return Optional.of(new Wait(
                    JobReason.InputIncomplete,
                    "spec.input.uri " + input + " is refused: " + chain + "; each would wait for the other to"
                            + " Succeed, so none would ever plan: point the spec.input.uri of one of them at an"
                            + " input no job of the cycle writes"));
        }
        Optional<RewriteJob> holdingBack =
                unfinished.stream().filter(u -> waitsForTheOutputOf(u, job)).findFirst();
        if (holdingBack.isPresent()) {
            RewriteJob u = holdingBack.get();
            return Optional.of(new Wait(
                    JobReason.InputIncomplete,
                    "spec.input.uri " + input + " " + relation(job, u) + " " + describe(u) + ", which waits"
                            + " (OutputInUse) for this job's output ("
                            + job.getSpec().getOutput().getUri()
                            + ") to be free while this job waits for it to Succeed: this job no longer holds that"
                            + " output, so the other goes on, but this job's output lies inside or around the"
                            + " other's, which its planner refuses; give this job an output apart from the"
                            + " other's"));
        }
        int more = unfinished.size() - 1;
        String others = more == 0 ? "" : " (and " + more + " more unfinished job" + (more == 1 ? "" : "s") + ")";
        Optional<RewriteJob> stuck =
                unfinished.stream().filter(u -> stuckWhy(u) != null).findFirst();
        if (stuck.isPresent()) {
            RewriteJob u = stuck.get();
            return Optional.of(new Wait(
                    JobReason.InputIncomplete,
                    "spec.input.uri " + input + " " + relation(job, u) + " " + describe(u) + others + ", which "
                            + stuckWhy(u) + "; this job plans once that one has Succeeded (read now, its output"
                            + " would give only the shards committed so far): fix and rerun it (a job into that"
                            + " output skips the shards already committed there), or copy what it committed"
                            + " (without its _palimpsest/ folder) elsewhere and point spec.input.uri there"));
        }
        RewriteJob u = unfinished.get(0);
        return Optional.of(new Wait(
                JobReason.InputInProgress,
                "spec.input.uri " + input + " " + relation(job, u) + " " + describe(u) + others
                        + ", which has not finished: this job plans once it has Succeeded (read now, its output"
                        + " would give only the shards committed so far)"));
    }

    /**
     * Why a job whose planner refused its input as not ready ({@code PlanRefusals#INPUT_NOT_READY}: nothing there
     * yet, nothing the globs take, another campaign not whole), and which has no plan, goes back to waiting: a job
     * whose output it reads was created after that failure, has not finished, or finished after it. Stage 2 of a
     * chain applied before stage 1 (kubectl apply of a folder, alphabetically; Argo CD without sync waves), or
     * whose planner was running when stage 1 was created, so plans once stage 1 has Succeeded. Empty when there is
     * no such job: an upstream that had finished before the failure does not restart it again (its output was
     * what the planner refused), so a refusal that stays refuses once, never in a loop.
     *
     * @param failedAt when the job failed ({@code status.completionTime}); empty when unknown
     * @param freshest the newest known version of a job the index gave, or null when it is known deleted
     */
    public static Optional<String> restartFor(
            RewriteJob job, Instant failedAt, SharedOutput.Index index, UnaryOperator<RewriteJob> freshest) {
        if (failedAt == null) {
            return Optional.empty();
        }
        return liveUpstreams(job, index, freshest)
                .sorted(SharedOutput.FIRST)
                .map(u -> restartedBy(u, failedAt)
                        .map(how -> "planning again: the planner refused spec.input.uri "
                                + job.getSpec().getInput().getUri() + " at " + Rfc3339.format(failedAt)
                                + " (its input was not ready), and it " + relation(job, u) + " RewriteJob " + id(u)
                                + ", which " + how))
                .flatMap(Optional::stream)
                .findFirst();
    }

    /** How the upstream came after the job's failure, or empty when it had finished before it. */
    private static Optional<String> restartedBy(RewriteJob u, Instant failedAt) {
        Instant created = parse(u.getMetadata().getCreationTimestamp());
        JobPhase phase = phase(u);
        if (phase == null || !phase.isTerminal()) {
            return Optional.of(
                    created != null && created.isAfter(failedAt)
                            ? "was created after that"
                            : "has not finished (" + (phase == null ? "not started" : phase.name()) + ")");
        }
        Instant finished = parse(u.getStatus().getCompletionTime());
        return finished != null && finished.isAfter(failedAt)
                ? Optional.of("has " + phase.name() + " since")
                : Optional.empty();
    }

    private static Instant parse(String rfc3339) {
        try {
            return Rfc3339.parse(rfc3339);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /** The upstream jobs that have not Succeeded and are not being deleted, in creation order. */
    private static List<RewriteJob> unfinishedUpstreams(
            RewriteJob job, SharedOutput.Index index, UnaryOperator<RewriteJob> freshest) {
        return liveUpstreams(job, index, freshest)
                .filter(u -> phase(u) != JobPhase.Succeeded)
                .filter(u -> !failedBeforeWritingAround(job, u))
                .sorted(SharedOutput.FIRST)
                .toList();
    }

    /**
     * The jobs whose output the job reads ({@link #upstreams}), each as the newest version known, without the
     * job itself, jobs known deleted and jobs being deleted.
     *
     * @param freshest the newest known version of a job the index gave, or null when it is known deleted
     */
    static Stream<RewriteJob> liveUpstreams(
            RewriteJob job, SharedOutput.Index index, UnaryOperator<RewriteJob> freshest) {
        return upstreams(job, index).stream()
                .map(freshest)
                .filter(Objects::nonNull)
                .filter(u -> !Objects.equals(
                        u.getMetadata().getUid(), job.getMetadata().getUid()))
                .filter(u -> u.getMetadata().getDeletionTimestamp() == null);
    }

    /**
     * The jobs from the job's upstream back to the job, when a chain of jobs that have not started, each
     * waiting for the next one's output, comes back to it; null when none does. A job that has started
     * ends by itself, so a chain through it is no cycle.
     */
    private static List<RewriteJob> cycle(
            RewriteJob job, SharedOutput.Index index, UnaryOperator<RewriteJob> freshest) {
        Map<String, RewriteJob> from = new HashMap<>();
        Deque<RewriteJob> todo = new ArrayDeque<>();
        todo.add(job);
        Set<String> seen = new java.util.HashSet<>();
        seen.add(id(job));
        int walked = 0;
        while (!todo.isEmpty() && walked++ < MAX_WALK) {
            RewriteJob at = todo.poll();
            for (RewriteJob u : unfinishedUpstreams(at, index, freshest)) {
                if (!notStarted(u)) {
                    continue;
                }
                if (id(u).equals(id(job))) {
                    List<RewriteJob> path = new ArrayList<>();
                    for (RewriteJob p = at; p != job; p = from.get(id(p))) {
                        path.add(0, p);
                    }
                    return path;
                }
                if (seen.add(id(u))) {
                    from.put(id(u), at);
                    todo.add(u);
                }
            }
        }
        return null;
    }

    /**
     * An upstream that Failed before it had a plan (an invalid spec, a refused plan) wrote no shard; a job
     * whose input only holds that output among other data reads nothing of it, so it is not held for ever by
     * a failed object nobody deletes. A job whose input is that output, or inside it, reads nothing else:
     * it is still held, naming the failure, so that a chain applied at once waits for the upstream to be
     * fixed instead of failing on an empty input.
     */
    private static boolean failedBeforeWritingAround(RewriteJob job, RewriteJob u) {
        boolean planned = u.getStatus() != null
                && u.getStatus().getShards() != null
                && u.getStatus().getShards().getTotal() > 0;
        return phase(u) == JobPhase.Failed
                && !planned
                && StorageUris.overlap(
                                job.getSpec().getInput().getUri(),
                                u.getSpec().getOutput().getUri())
                        == StorageUris.Overlap.OUTPUT_INSIDE_INPUT;
    }

    /** Whether {@code u} is Pending because {@code job}'s output is in the way of its own (OutputInUse). */
    private static boolean waitsForTheOutputOf(RewriteJob u, RewriteJob job) {
        if (phase(u) != JobPhase.Pending) {
            return false;
        }
        var ready = ConditionAggregator.find(u.getStatus().getConditions(), Conditions.READY);
        return ready != null
                && JobReason.OutputInUse.name().equals(ready.getReason())
                && ready.getMessage() != null
                && Pattern.compile("RewriteJob " + Pattern.quote(id(job)) + "(?![\\w.-])")
                        .matcher(ready.getMessage())
                        .find();
    }

    /** Why the upstream job will not finish by itself, or null when it will. */
    private static String stuckWhy(RewriteJob u) {
        JobPhase phase = phase(u);
        if (phase == JobPhase.Failed) {
            var failed = ConditionAggregator.find(u.getStatus().getConditions(), Conditions.FAILED);
            return "Failed" + (failed == null || failed.getReason() == null ? "" : " (" + failed.getReason() + ")")
                    + ": its output holds only the shards it committed";
        }
        if (phase == JobPhase.Pending) {
            var ready = ConditionAggregator.find(u.getStatus().getConditions(), Conditions.READY);
            if (ready != null && STUCK.contains(ready.getReason())) {
                return "is Pending (" + ready.getReason() + ") until someone fixes it"
                        + (ready.getMessage() == null || ready.getMessage().isEmpty()
                                ? ""
                                : ": " + shortened(ready.getMessage()));
            }
        }
        return null;
    }

    /** The longest part of an upstream's own message quoted: a chain of held jobs would nest each in the next. */
    static final int QUOTED_MESSAGE_MAX = 300;

    private static String shortened(String message) {
        return message.length() <= QUOTED_MESSAGE_MAX ? message : message.substring(0, QUOTED_MESSAGE_MAX - 3) + "...";
    }

    /** The Pending reasons that do not clear by themselves. */
    private static final Set<String> STUCK = Set.of(
            JobReason.ModelNotFound.name(),
            JobReason.ModelFailed.name(),
            JobReason.NameTaken.name(),
            JobReason.InputIncomplete.name());

    /** "is the output of", "is inside s3://b/out/, the output of", "holds s3://b/out/, the output of". */
    private static String relation(RewriteJob job, RewriteJob upstream) {
        String output = upstream.getSpec().getOutput().getUri();
        return switch (StorageUris.overlap(job.getSpec().getInput().getUri(), output)) {
            case SAME -> "is the output of";
            case INPUT_INSIDE_OUTPUT -> "is inside " + StorageUris.normalise(output) + ", the output of";
            case OUTPUT_INSIDE_INPUT -> "holds " + StorageUris.normalise(output) + ", the output of";
            case NONE -> "overlaps the output of";
        };
    }

    /** "RewriteJob ns/name (Running, 12/40 shards)". */
    private static String describe(RewriteJob u) {
        JobPhase phase = phase(u);
        String progress = u.getStatus() == null || u.getStatus().getProgress() == null
                ? ""
                : ", " + u.getStatus().getProgress() + " shards";
        return "RewriteJob " + id(u) + " (" + (phase == null ? "not started" : phase.name()) + progress + ")";
    }

    private static boolean notStarted(RewriteJob job) {
        JobPhase phase = phase(job);
        return phase == null || phase == JobPhase.Pending;
    }

    private static JobPhase phase(RewriteJob job) {
        return job.getStatus() == null ? null : job.getStatus().getPhase();
    }

    private static String id(RewriteJob job) {
        return FolderIndex.id(job);
    }
}
