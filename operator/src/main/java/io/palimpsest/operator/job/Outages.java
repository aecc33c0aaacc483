package io.palimpsest.operator.job;

import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.ShardFailureReason;
import io.palimpsest.operator.job.JobPhaseMachine.Decision;
import io.palimpsest.operator.job.observe.FinishedPod;
import io.palimpsest.operator.job.observe.WorkerJobView;
import io.palimpsest.operator.job.ranges.RangeSet;
import io.palimpsest.operator.job.status.OutageShards;
import java.util.Collection;
import java.util.Map;

/**
 * A worker Job that finished with shards failed for good because something every document needs could
 * not be reached (exit 75: the model, outcome {@code modelUnreachable}, or the object store, outcome
 * {@code storeUnreachable}) is no partial success: {@code retry.maxFailedShards} tolerates shards of bad
 * data, and an outage is the same for every document. The Job controller counts such shards against
 * {@code maxFailedIndexes} (no limit when unset) and calls the Job FailedIndexes; the job fails with the
 * outage's reason instead of Succeeding with {@code ShardsFailed}, as {@code local} exits 75 on the same
 * events. The model's outage is named first when both failed shards. Which shards an outage failed is
 * {@link OutageShards}' to tell, from the pods and from what the status keeps once they are gone.
 */
final class Outages {
    private Outages() {}

    /** A job-wide transient cause: the shards' failure reason and the job's reason for it. */
    enum Cause {
        MODEL(ShardFailureReason.ModelUnreachable, JobReason.ModelUnreachable, "the model"),
        STORE(ShardFailureReason.StoreUnreachable, JobReason.StoreUnreachable, "the object store");

        final ShardFailureReason shardReason;
        final JobReason jobReason;
        /** What could not be reached, as the job's message names it. */
        final String what;

        Cause(ShardFailureReason shardReason, JobReason jobReason, String what) {
            this.shardReason = shardReason;
            this.jobReason = jobReason;
            this.what = what;
        }

        /** The cause a job failed with this reason names, or null. */
        static Cause of(JobReason reason) {
            for (Cause c : values()) {
                if (c.jobReason == reason) {
                    return c;
                }
            }
            return null;
        }
    }

    /**
     * A job whose worker Job finished with shards an outage failed fails, before any tally; the same outcome
     * whether their pods can still be read or only {@code status.outageShards} remembers them.
     *
     * @param recorded what {@code status.outageShards} says ({@link OutageShards#decode})
     */
    static Decision refine(
            Decision decision,
            WorkerJobView.State worker,
            RangeSet failed,
            Collection<FinishedPod> pods,
            Map<ShardFailureReason, RangeSet> recorded) {
        if (worker == WorkerJobView.State.FINISHED_WITH_FAILED_SHARDS && decision.phase() != JobPhase.Failed) {
            Map<ShardFailureReason, RangeSet> byReason = OutageShards.of(failed, pods, recorded);
            for (Cause c : Cause.values()) {
                if (!byReason.get(c.shardReason).isEmpty()) {
                    return new Decision(JobPhase.Failed, c.jobReason);
                }
            }
        }
        return decision;
    }

    /** The failed shards the cause's outage failed, as {@link OutageShards#of} tells them. */
    static RangeSet shards(
            Cause cause, RangeSet failed, Collection<FinishedPod> pods, Map<ShardFailureReason, RangeSet> recorded) {
        return OutageShards.of(failed, pods, recorded).get(cause.shardReason);
    }
}
