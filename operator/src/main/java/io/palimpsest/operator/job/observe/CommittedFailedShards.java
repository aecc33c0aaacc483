package io.palimpsest.operator.job.observe;

import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.operator.job.ranges.RangeSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The worker Job as the job counts its shards: an index the Job controller failed whose shard has a receipt is
 * committed. A worker killed after it created its shard's receipt and before its summary (out of memory, a node
 * lost) fails its attempt; when that also spends the index's {@code backoffLimitPerIndex}, no pod runs the index again
 * to find the receipt, and the Job fails an index whose output is committed. The shard's commit point is its receipt,
 * not its index: counting it failed would leave its documents out of the counts and fail a job whose every shard
 * committed.
 *
 * <p>What tells a failed shard committed: a worker's summary that said so (the shard is in the counted shards), or the
 * tally Job, which reads every receipt of the plan in force and names the shards that have one
 * ({@link Tally#getReceiptShards()}); the operator reads no storage itself. A failed shard whose last attempt ended
 * with the worker's own word that nothing was committed (exit 42, 43, 75 or 78, each said before any commit) needs
 * no look. Any other (killed, exit 1, its pods gone) may have committed: once every index has ended, the job waits for
 * the tally ({@link WorkerJobView.State#AWAITING_RECEIPTS}) before its outcome is decided. Pure.
 */
public final class CommittedFailedShards {
    /** The worker's exits that come before any commit of the attempt's shard. */
    private static final Set<Integer> SAID_UNCOMMITTED = Set.of(
            ExitCodes.BAD_DATA, ExitCodes.ATTEMPTS_EXHAUSTED, ExitCodes.MODEL_UNREACHABLE, ExitCodes.MODEL_CONFIG);

    private CommittedFailedShards() {}

    /**
     * @param job              the worker Job as read
     * @param shards           the job's shard count, or null before it is known
     * @param maxFailedIndexes the worker Job's {@code maxFailedIndexes}, or null without a limit
     * @param counted          shards a worker's summary said committed: the recorded counted shards and the pods'
     * @param pods             the finished worker pods
     * @param tallyState       the tally Job's state
     * @param tally            the tally's result, or null when there is none to read
     * @return {@code job} with the failed indexes whose shards committed moved to the completed ones, and its state
     *     as those counts make it; {@code job} itself while it runs or when none of its failed indexes is in doubt
     */
    public static WorkerJobView of(
            WorkerJobView job,
            Long shards,
            Integer maxFailedIndexes,
            RangeSet counted,
            Collection<FinishedPod> pods,
            ClusterReadings.HelperState tallyState,
            Tally tally) {
        if (shards == null || shards <= 0 || job.failed().isEmpty()) {
            return job;
        }
        WorkerJobView.State state = job.state();
        // Only a Job whose every index ended is judged again: one the Job controller stopped past maxFailedIndexes
        // (or failed as a whole) has shards that never ran, and fails as it is.
        boolean ended = state == WorkerJobView.State.FINISHED_WITH_FAILED_SHARDS
                || state == WorkerJobView.State.TOO_MANY_FAILED_SHARDS;
        RangeSet all = job.completed().union(job.failed());
        if (!ended || all.cardinality() < shards || all.last() >= shards) {
            return job;
        }
        RangeSet committed = job.failed().intersect(counted).union(job.failed().intersect(receipts(tally)));
        RangeSet failed = job.failed().minus(committed);
        boolean lookable = tally == null && tallyState != ClusterReadings.HelperState.FAILED;
        if (lookable && !failed.minus(saidUncommitted(failed, pods)).isEmpty()) {
            state = WorkerJobView.State.AWAITING_RECEIPTS;
        } else if (failed.isEmpty()) {
            state = WorkerJobView.State.COMPLETE;
        } else if (failed.cardinality() >= shards
                || (maxFailedIndexes != null && failed.cardinality() > maxFailedIndexes)) {
            state = WorkerJobView.State.TOO_MANY_FAILED_SHARDS;
        } else {
            state = WorkerJobView.State.FINISHED_WITH_FAILED_SHARDS;
        }
        if (committed.isEmpty() && state == job.state()) {
            return job;
        }
        return new WorkerJobView(job.completed().union(committed), failed, job.active(), state, job.finishedAt());
    }

    /** The shards the tally found a receipt for; none when it said nothing of them (too many to say, an older one). */
    static RangeSet receipts(Tally tally) {
        if (tally == null || tally.getReceiptShards() == null) {
            return RangeSet.empty();
        }
        try {
            return RangeSet.parse(tally.getReceiptShards());
        } catch (IllegalArgumentException unreadable) {
            return RangeSet.empty(); // no failed index is taken for committed on words it cannot read
        }
    }

    /** The failed shards whose last failed attempt the worker ended saying nothing was committed. */
    static RangeSet saidUncommitted(RangeSet failed, Collection<FinishedPod> pods) {
        Map<Integer, FinishedPod> last = new HashMap<>();
        Comparator<FinishedPod> order = Comparator.comparing(
                        FinishedPod::finishedAt, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparingInt(FinishedPod::attempt);
        for (FinishedPod pod : pods) {
            if (pod.shard() >= 0 && failed.contains(pod.shard()) && pod.isShardFailure()) {
                last.merge(pod.shard(), pod, (a, b) -> order.compare(a, b) >= 0 ? a : b);
            }
        }
        RangeSet.Builder said = new RangeSet.Builder();
        last.forEach((shard, pod) -> {
            if (pod.exitCode() != null && SAID_UNCOMMITTED.contains(pod.exitCode())) {
                said.add(shard);
            }
        });
        return said.build();
    }
}
