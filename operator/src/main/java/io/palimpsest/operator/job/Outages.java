package io.palimpsest.operator.job;

import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.ShardFailureReason;
import io.palimpsest.operator.job.JobPhaseMachine.Decision;
import io.palimpsest.operator.job.observe.FinishedPod;
import io.palimpsest.operator.job.observe.WorkerJobView;
import io.palimpsest.operator.job.ranges.RangeSet;
import io.palimpsest.operator.job.status.JobStatusFolder;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A worker Job that finished with shards failed for good because something every document needs could
 * not be reached (exit 75: the model, outcome {@code modelUnreachable}, or the object store, outcome
 * {@code storeUnreachable}) is no partial success: {@code retry.maxFailedShards} tolerates shards of bad
 * data, and an outage is the same for every document. The Job controller counts such shards against
 * {@code maxFailedIndexes} (no limit when unset) and calls the Job FailedIndexes; the job fails with the
 * outage's reason instead of Succeeding with {@code ShardsFailed}, as {@code local} exits 75 on the same
 * events. The model's outage is named first when both failed shards.
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

    /** A job whose worker Job finished with shards an outage failed fails, before any tally. */
    static Decision refine(
            Decision decision, WorkerJobView.State worker, RangeSet failed, Collection<FinishedPod> pods) {
        if (worker == WorkerJobView.State.FINISHED_WITH_FAILED_SHARDS && decision.phase() != JobPhase.Failed) {
            for (Cause c : Cause.values()) {
                if (!shards(c, failed, pods).isEmpty()) {
                    return new Decision(JobPhase.Failed, c.jobReason);
                }
            }
        }
        return decision;
    }

    /**
     * The shards failed for good whose latest failure that says why (a shard the operator's ledger
     * closed says only that its attempts are spent) is the cause's outage. Only the worker Job's
     * failed indexes: a shard that met the outage and committed later is not one, though the pod of
     * its commit may no longer be among the pods read once it is counted.
     */
    static Set<Integer> shards(Cause cause, RangeSet failed, Collection<FinishedPod> pods) {
        Map<Integer, FinishedPod> latest = new TreeMap<>();
        Comparator<FinishedPod> order = Comparator.comparingInt(FinishedPod::attempt)
                .thenComparing(FinishedPod::finishedAt, Comparator.nullsFirst(Comparator.naturalOrder()));
        for (FinishedPod p : pods) {
            if (failed.contains(p.shard())
                    && p.isShardFailure()
                    && !ShardFailureReason.AttemptsExhausted.name()
                            .equals(JobStatusFolder.failureOf(p).getReason())) {
                latest.merge(p.shard(), p, (a, b) -> order.compare(a, b) >= 0 ? a : b);
            }
        }
        Set<Integer> out = new TreeSet<>();
        latest.forEach((shard, pod) -> {
            if (cause.shardReason.name().equals(JobStatusFolder.failureOf(pod).getReason())) {
                out.add(shard);
            }
        });
        return out;
    }
}
