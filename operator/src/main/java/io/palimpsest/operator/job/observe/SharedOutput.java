package io.palimpsest.operator.job.observe;

import io.palimpsest.api.lint.StorageUris;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

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
 * <p>An s3:// output is the same place from any namespace; a pvc:// (or file://) one names a claim
 * of the job's own namespace, so it is the same place only there. URIs are compared as paths
 * ({@link StorageUris#normalise}): {@code s3://b/out} and {@code s3://b/out/} are one output.
 */
public final class SharedOutput {
    /** The index of RewriteJobs by {@link #key}: the jobs that write one output. */
    public static final String BY_OUTPUT = "byOutput";

    private SharedOutput() {}

    /** Where the job writes, as the index keys it; null for a job without an output. */
    public static String key(RewriteJob job) {
        if (job.getSpec() == null
                || job.getSpec().getOutput() == null
                || job.getSpec().getOutput().getUri() == null) {
            return null;
        }
        String uri = StorageUris.normalise(job.getSpec().getOutput().getUri());
        return uri.startsWith("s3://") ? uri : job.getMetadata().getNamespace() + " " + uri;
    }

    /** The index's keys for the job: its output's, or none. */
    public static List<String> keys(RewriteJob job) {
        String key = key(job);
        return key == null ? List.of() : List.of(key);
    }

    /**
     * Why the job waits before it plans: the other job that holds its output, named; empty when it
     * may start.
     *
     * @param sameOutput the jobs the index lists under the job's key (the job itself among them)
     */
    public static Optional<String> heldBy(RewriteJob job, Collection<RewriteJob> sameOutput) {
        String key = key(job);
        if (key == null) {
            return Optional.empty();
        }
        List<RewriteJob> others = sameOutput.stream()
                .filter(o -> !Objects.equals(
                        o.getMetadata().getUid(), job.getMetadata().getUid()))
                .filter(o -> o.getMetadata().getDeletionTimestamp() == null)
                .filter(o -> key.equals(key(o)))
                .filter(o -> !finished(o))
                .sorted(FIRST)
                .toList();
        Optional<RewriteJob> holder =
                others.stream().filter(SharedOutput::started).findFirst();
        if (holder.isEmpty()) {
            holder = others.stream().filter(o -> FIRST.compare(o, job) < 0).findFirst();
        }
        return holder.map(h -> "spec.output.uri " + job.getSpec().getOutput().getUri() + " is the output of RewriteJob "
                + h.getMetadata().getNamespace() + "/" + h.getMetadata().getName() + " ("
                + (phase(h) == null ? "not started" : phase(h).name())
                + "), which came first: two jobs planning one output at once would replace each other's plan;"
                + " this job starts once that one has finished or is deleted (a job into an output skips the"
                + " shards already committed there), or write to another spec.output.uri");
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

    private static boolean started(RewriteJob job) {
        JobPhase phase = phase(job);
        return phase == JobPhase.Planning || phase == JobPhase.Running || phase == JobPhase.Suspended;
    }
}
