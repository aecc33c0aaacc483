package io.palimpsest.operator.job.observe;

import io.palimpsest.api.lint.StorageUris;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The outputs of the jobs a job reads ({@link UpstreamInput#upstreams}) that have Succeeded: the planner is told
 * them ({@code plan --finished-input}) and reads such an output as it is. A job that Succeeded with some shards
 * failed for good (within its {@code spec.retry.maxFailedShards}) leaves fewer receipts than shards for ever, which
 * the planner otherwise refuses as a campaign still running; its user accepted that partial campaign, and a stage
 * reading it takes its committed shards, told how many in the planner's log. An output of no known job, or of one
 * that has not Succeeded (deleted, Failed), is not named: a campaign there that is not whole stays refused.
 */
public final class FinishedUpstreams {
    private FinishedUpstreams() {}

    /**
     * The {@code spec.output.uri} of each job whose output the job reads and that has Succeeded, normalised, in
     * creation order; empty when there is none. One whose status counts every shard committed is not named: its
     * output is whole, and a worker image from before {@code --finished-input} (a job's {@code spec.workers.image})
     * plans it as before.
     *
     * @param freshest the newest known version of a job the index gave, or null when it is known deleted
     */
    public static List<String> outputs(RewriteJob job, SharedOutput.Index index, UnaryOperator<RewriteJob> freshest) {
        return UpstreamInput.liveUpstreams(job, index, freshest)
                .filter(u -> u.getStatus() != null && u.getStatus().getPhase() == JobPhase.Succeeded)
                .filter(FinishedUpstreams::maybeShort)
                .sorted(SharedOutput.FIRST)
                .map(u -> StorageUris.normalise(u.getSpec().getOutput().getUri()))
                .distinct()
                .toList();
    }

    /** Whether the job's status does not count every planned shard committed (or counts none). */
    private static boolean maybeShort(RewriteJob u) {
        var shards = u.getStatus().getShards();
        return shards == null || shards.getTotal() == 0 || shards.getSucceeded() < shards.getTotal();
    }
}
