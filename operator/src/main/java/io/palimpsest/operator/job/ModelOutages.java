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
 * A worker Job that finished with shards failed for good because the model could not be reached
 * (exit 75, outcome {@code modelUnreachable}) is no partial success: {@code retry.maxFailedShards}
 * tolerates shards of bad data, and an outage is the same for every document. The Job controller
 * counts such shards against {@code maxFailedIndexes} (no limit when unset) and calls the Job
 * FailedIndexes; the job fails {@link JobReason#ModelUnreachable} instead of Succeeding with
 * {@code ShardsFailed}, as {@code local} exits 75 on the same events.
 */
final class ModelOutages {
    private ModelOutages() {}

    /** A job whose worker Job finished with shards the model's outage failed fails, before any tally. */
    static Decision refine(
            Decision decision, WorkerJobView.State worker, RangeSet failed, Collection<FinishedPod> pods) {
        if (worker == WorkerJobView.State.FINISHED_WITH_FAILED_SHARDS
                && decision.phase() != JobPhase.Failed
                && !shards(failed, pods).isEmpty()) {
            return new Decision(JobPhase.Failed, JobReason.ModelUnreachable);
        }
        return decision;
    }

    /**
     * The shards failed for good whose latest failure that says why (a shard the operator's ledger
     * closed says only that its attempts are spent) is the model's outage. Only the worker Job's
     * failed indexes: a shard that met the outage and committed later is not one, though the pod of
     * its commit may no longer be among the pods read once it is counted.
     */
    static Set<Integer> shards(RangeSet failed, Collection<FinishedPod> pods) {
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
            if (ShardFailureReason.ModelUnreachable.name()
                    .equals(JobStatusFolder.failureOf(pod).getReason())) {
                out.add(shard);
            }
        });
        return out;
    }
}
