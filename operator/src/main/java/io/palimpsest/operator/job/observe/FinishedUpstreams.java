package io.palimpsest.operator.job.observe;

import io.palimpsest.api.lint.StorageUris;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.worker.FinishedInputs;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The campaigns of the jobs a job reads ({@link UpstreamInput#upstreams}) that have Succeeded: the planner is told
 * them ({@link FinishedInputs#ENV}) and reads such an output as it is while it still holds that campaign. A job that Succeeded with some shards
 * failed for good (within its {@code spec.retry.maxFailedShards}) leaves fewer receipts than shards for ever, which
 * the planner otherwise refuses as a campaign still running; its user accepted that partial campaign, and a stage
 * reading it takes its committed shards, told how many in the planner's log. An output of no known job, or of one
 * that has not Succeeded (deleted, Failed), is not named: a campaign there that is not whole stays refused.
 *
 * <p>Each is named with what identifies its campaign as the job's status records it (shards planned, shards
 * committed, recipe hash): the output may be written again by a rerun (another RewriteJob into it, deleted
 * part-way, say) while the job waits, and the planner reads a campaign that is not whole as it is only when what it
 * finds there is still the one that Succeeded.
 */
public final class FinishedUpstreams {
    private FinishedUpstreams() {}

    /**
     * The campaign of each job whose output the job reads and that has Succeeded, its {@code spec.output.uri}
     * normalised, in creation order; empty when there is none. One whose status counts every shard committed is not
     * named: its output is whole, and is planned as before.
     *
     * @param freshest the newest known version of a job the index gave, or null when it is known deleted
     */
    public static List<FinishedInputs.Campaign> campaigns(
            RewriteJob job, SharedOutput.Index index, UnaryOperator<RewriteJob> freshest) {
        return UpstreamInput.liveUpstreams(job, index, freshest)
                .filter(u -> u.getStatus() != null && u.getStatus().getPhase() == JobPhase.Succeeded)
                .filter(FinishedUpstreams::maybeShort)
                .sorted(SharedOutput.FIRST)
                .map(FinishedUpstreams::campaign)
                .distinct()
                .toList();
    }

    /** The campaign a job that has Succeeded left in its output, as its status records it. */
    static FinishedInputs.Campaign campaign(RewriteJob u) {
        var status = u.getStatus();
        var shards = status.getShards();
        boolean counted = shards != null && shards.getTotal() > 0;
        return new FinishedInputs.Campaign(
                StorageUris.normalise(u.getSpec().getOutput().getUri()),
                u.getMetadata().getNamespace() + "/" + u.getMetadata().getName(),
                counted ? shards.getTotal() : null,
                counted ? shards.getSucceeded() : null,
                status.getRecipeHash());
    }

    /** Whether the job's status does not count every planned shard committed (or counts none). */
    private static boolean maybeShort(RewriteJob u) {
        var shards = u.getStatus().getShards();
        return shards == null || shards.getTotal() == 0 || shards.getSucceeded() < shards.getTotal();
    }
}
