package io.palimpsest.operator.job.observe;

import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.lint.StorageUris;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.operator.status.ConditionAggregator;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One output, one job at a time. Two RewriteJobs planning the same {@code spec.output.uri} at once
 * would each store their plan there: while nothing is committed, the second planner replaces the
 * first one's manifest (another cut of the input, another shard count) and input reading, so the
 * first job's workers run shards it did not count, or stop on the drift, and its Succeeded would
 * not mean its output is whole. So a job that has not started waits while another job that came
 * first has not finished: one that has started (Planning, Running, Suspended), else one created
 * before it (creation time, then namespace and name: one order, so two jobs never wait for each
 * other). A job that has started is never held: its workers may be mid-shard.
 *
 * <p>A job that has ended (Succeeded, Failed) holds the output until nothing of it can write there any more: its
 * Reconciling condition says {@code WorkersStopping} while a worker pod of it has not terminated or its worker Job is
 * not stopped ({@link OutputWriters}). A job that failed while its workers ran (its spec edited past a rule, a model
 * that refused it, a Job the Job controller failed) would otherwise give the output to the next job while a worker of
 * it could still commit a shard there, into the next job's plan. So does a job deleted in the foreground (Argo CD's
 * prune, {@code kubectl delete --cascade=foreground}): it stays, marked, until the garbage collector has deleted its
 * Jobs and their pods, which block its deletion, and a worker stopped by that deletion may still commit its shard. A
 * job deleted in the background is gone at once, while its pods still stop: those pods hold the output themselves
 * ({@link OrphanWriters}).
 *
 * <p>An output inside another's ({@code s3://b/out/sub/} in {@code s3://b/out/}) is held the same
 * way, either way round: its shards and its own {@code _palimpsest/} would sit among the other
 * job's files, so a reader of the outer output (a training loader, a job reading it as input) would
 * take the inner job's documents as the outer one's. Held until the other has finished, the later
 * job's planner then finds the other's plan above or below its output and refuses it, naming it.
 * The lookup stays O(depth of the output): {@link #BY_OUTPUT_TREE} keys each job under every folder
 * of its output, so the jobs at or below an output are one lookup, and those above it one exact
 * lookup per folder above.
 *
 * <p>An s3:// output is the same place from any namespace; a pvc:// (or file://) one names a claim
 * of the job's own namespace, so it is the same place only there. URIs are compared as paths
 * ({@link StorageUris#normalise}): {@code s3://b/out} and {@code s3://b/out/} are one output.
 */
public final class SharedOutput {
    /** The index of RewriteJobs by {@link #key}: the jobs that write one output. */
    public static final String BY_OUTPUT = "byOutput";
    /** The index of RewriteJobs by every folder of their output, itself included ({@link #treeKeys}). */
    public static final String BY_OUTPUT_TREE = "byOutputTree";

    /** Looks up an index of the primary cache: the index's name, a key. */
    @FunctionalInterface
    public interface Index {
        List<RewriteJob> byIndex(String index, String key);
    }

    private SharedOutput() {}

    /** Where the job writes, as the index keys it; null for a job without an output. */
    public static String key(RewriteJob job) {
        if (job.getSpec() == null || job.getSpec().getOutput() == null) {
            return null;
        }
        return FolderIndex.key(job, job.getSpec().getOutput().getUri());
    }

    /** The index's keys for the job: its output's, or none. */
    public static List<String> keys(RewriteJob job) {
        String key = key(job);
        return key == null ? List.of() : List.of(key);
    }

    /** The {@link #BY_OUTPUT_TREE} keys for the job: every folder of its output from the root, as {@link #key} spells them. */
    public static List<String> treeKeys(RewriteJob job) {
        return FolderIndex.tree(key(job));
    }

    /**
     * The jobs whose output is the job's, inside it or around it (the job itself among them): one lookup of the jobs at
     * or below its output, one per folder above it.
     */
    public static Collection<RewriteJob> related(RewriteJob job, Index index) {
        return FolderIndex.overlapping(key(job), BY_OUTPUT_TREE, BY_OUTPUT, index);
    }

    /** The namespace part of a key ("ns " for a claim or a path), "" for an s3:// one. */
    private static String scope(String key) {
        return FolderIndex.scope(key);
    }

    /**
     * How the other output lies to the job's ({@link StorageUris#overlap}, within one scope), for the message; null
     * when apart.
     */
    static String relation(String key, String other) {
        if (other == null || !scope(key).equals(scope(other))) {
            return null;
        }
        String otherUri = other.substring(scope(other).length());
        return switch (StorageUris.overlap(otherUri, key.substring(scope(key).length()))) {
            case SAME -> "is the output";
            case OUTPUT_INSIDE_INPUT -> "is inside " + otherUri + ", the output";
            case INPUT_INSIDE_OUTPUT -> "holds " + otherUri + ", the output";
            case NONE -> null;
        };
    }

    /**
     * Why the job waits before it plans: the other job that holds its output, named; empty when it
     * may start.
     *
     * @param sameOutput the jobs whose output is the job's, inside or around it ({@link #related}; the job itself among
     *                   them)
     */
    public static Optional<String> heldBy(RewriteJob job, Collection<RewriteJob> sameOutput) {
        String key = key(job);
        if (key == null) {
            return Optional.empty();
        }
        List<RewriteJob> others = sameOutput.stream()
                .filter(o -> !Objects.equals(
                        o.getMetadata().getUid(), job.getMetadata().getUid()))
                .filter(o -> o.getMetadata().getDeletionTimestamp() == null || deletedInTheForeground(o))
                .filter(o -> relation(key, key(o)) != null)
                .filter(o -> !finished(o) || stopping(o) || deletedInTheForeground(o))
                .sorted(FIRST)
                .toList();
        Optional<RewriteJob> holder = others.stream()
                .filter(o -> started(o) || stopping(o) || deletedInTheForeground(o))
                .findFirst();
        if (holder.isEmpty()) {
            holder = others.stream()
                    .filter(o -> FIRST.compare(o, job) < 0)
                    .filter(o -> !parked(o))
                    .findFirst();
        }
        return holder.map(h -> {
            String relation = relation(key, key(h));
            boolean same = relation.equals("is the output");
            if (deletedInTheForeground(h)) {
                return "spec.output.uri " + job.getSpec().getOutput().getUri() + " " + relation + " of RewriteJob "
                        + h.getMetadata().getNamespace() + "/" + h.getMetadata().getName()
                        + " (being deleted in the foreground): the garbage collector is still deleting its Jobs and"
                        + " their pods, one of which may still commit a shard there, so this job waits until that job"
                        + " is gone";
            }
            if (stopping(h)) {
                return "spec.output.uri " + job.getSpec().getOutput().getUri() + " " + relation + " of RewriteJob "
                        + h.getMetadata().getNamespace() + "/" + h.getMetadata().getName() + " (" + phase(h).name()
                        + "), whose workers are still stopping: one of them may still commit a shard there, so this"
                        + " job waits for them to stop (the other job's Reconciling condition, WorkersStopping, says"
                        + " what still runs) and then "
                        + (same
                                ? "starts (a job into an output skips the shards already committed there)"
                                : "starts, and its planner refuses the output while the other's plan is there: write"
                                        + " to an output apart from "
                                        + h.getSpec().getOutput().getUri());
            }
            return "spec.output.uri " + job.getSpec().getOutput().getUri() + " " + relation + " of RewriteJob "
                    + h.getMetadata().getNamespace() + "/" + h.getMetadata().getName() + " ("
                    + (phase(h) == null ? "not started" : phase(h).name()) + "), which came first: "
                    + (same
                            ? "two jobs planning one output at once would replace each other's plan;"
                                    + " this job starts once that one has finished or is deleted (a job into an output"
                                    + " skips the shards already committed there), or write to another spec.output.uri"
                            : "one output inside another mixes their files (a reader of the outer output takes the"
                                    + " inner one's documents and _palimpsest/ as its own);"
                                    + " this job starts once that one has finished or is deleted, and its planner then"
                                    + " refuses the output while the other's plan is there: write to an output apart"
                                    + " from " + h.getSpec().getOutput().getUri());
        });
    }

    /** Creation time, then namespace and name: the order in which jobs take an output. */
    static final Comparator<RewriteJob> FIRST = Comparator.comparing(
                    (RewriteJob j) -> Objects.requireNonNullElse(j.getMetadata().getCreationTimestamp(), ""))
            .thenComparing(j -> Objects.requireNonNullElse(j.getMetadata().getNamespace(), ""))
            .thenComparing(j -> Objects.requireNonNullElse(j.getMetadata().getName(), ""));

    private static JobPhase phase(RewriteJob job) {
        return job.getStatus() == null ? null : job.getStatus().getPhase();
    }

    private static boolean finished(RewriteJob job) {
        JobPhase phase = phase(job);
        return phase != null && phase.isTerminal();
    }

    /**
     * Marked deleted with the foreground finalizer: the garbage collector removes it only once its Jobs and their pods
     * (owned with {@code blockOwnerDeletion}) are gone.
     */
    private static boolean deletedInTheForeground(RewriteJob job) {
        return job.getMetadata().getDeletionTimestamp() != null
                && job.getMetadata().getFinalizers() != null
                && job.getMetadata().getFinalizers().contains(FOREGROUND_DELETION);
    }

    private static final String FOREGROUND_DELETION = "foregroundDeletion";

    /**
     * Ended, but something of it may still write to its output: its Reconciling condition is True with
     * {@code WorkersStopping} ({@link OutputWriters}).
     */
    private static boolean stopping(RewriteJob job) {
        if (!finished(job)) {
            return false;
        }
        var reconciling = ConditionAggregator.find(job.getStatus().getConditions(), Conditions.RECONCILING);
        return reconciling != null
                && Conditions.TRUE.equals(reconciling.getStatus())
                && JobReason.WorkersStopping.name().equals(reconciling.getReason());
    }

    /**
     * Pending until someone fixes it (its model missing or failed, its names held by other objects, its input
     * the output of a job that will not Succeed by itself):
     * it has written nothing, and an earlier job that may never start does not hold the output.
     */
    private static boolean parked(RewriteJob job) {
        if (phase(job) != JobPhase.Pending) {
            return false;
        }
        var ready = ConditionAggregator.find(job.getStatus().getConditions(), Conditions.READY);
        return ready != null && PARKED.contains(ready.getReason());
    }

    private static final Set<String> PARKED = Set.of(
            JobReason.ModelNotFound.name(),
            JobReason.ModelFailed.name(),
            JobReason.NameTaken.name(),
            JobReason.InputIncomplete.name());

    private static boolean started(RewriteJob job) {
        JobPhase phase = phase(job);
        return phase == JobPhase.Planning || phase == JobPhase.Running || phase == JobPhase.Suspended;
    }
}
