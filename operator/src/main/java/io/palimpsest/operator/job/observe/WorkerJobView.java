package io.palimpsest.operator.job.observe;

import io.palimpsest.operator.job.ranges.RangeSet;
import java.time.Instant;

/**
 * The worker Indexed Job as the status fold sees it.
 *
 * @param completed  status.completedIndexes
 * @param failed     status.failedIndexes
 * @param active     pods running or pending
 * @param state      where the Job is in its life
 * @param finishedAt when the Job got its Complete or Failed condition, or null
 */
public record WorkerJobView(RangeSet completed, RangeSet failed, int active, State state, Instant finishedAt) {

    public enum State {
        /** Not created yet (or deleted). */
        ABSENT,
        RUNNING,
        /** Every index succeeded. */
        COMPLETE,
        /** Every index finished and some failed, within maxFailedIndexes (Job reason FailedIndexes). */
        FINISHED_WITH_FAILED_SHARDS,
        /** More indexes failed than maxFailedIndexes allows, or every index failed whatever it allows. */
        TOO_MANY_FAILED_SHARDS,
        /** Any other Job failure (deadline, a FailJob rule). */
        FAILED,
        /**
         * Every index ended, and some failed without their worker's word that nothing was committed (a worker killed
         * after its commit, its pod gone): the tally of the receipts says which committed before the job's outcome
         * is decided ({@link CommittedFailedShards}).
         */
        AWAITING_RECEIPTS;

        public boolean isFinished() {
            return this != ABSENT && this != RUNNING;
        }

        /** Finished with every shard either committed or failed for good: the campaign's work is done. */
        public boolean allShardsSettled() {
            return this == COMPLETE || this == FINISHED_WITH_FAILED_SHARDS;
        }
    }

    public static WorkerJobView absent() {
        return new WorkerJobView(RangeSet.empty(), RangeSet.empty(), 0, State.ABSENT, null);
    }
}
