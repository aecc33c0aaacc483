package io.palimpsest.operator.job.status;

import io.palimpsest.api.v1alpha1.ShardFailureReason;
import io.palimpsest.operator.job.observe.FinishedPod;
import io.palimpsest.operator.job.ranges.CompactRanges;
import io.palimpsest.operator.job.ranges.RangeSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntPredicate;

/**
 * The shards an outage failed, by its reason: those whose latest failure that says why is {@code ModelUnreachable}
 * (exit 75, the model could not be reached) or {@code StoreUnreachable} (the object store could not). Read from
 * the finished pods, and kept in {@code status.outageShards}, so that a worker Job that finished with such shards
 * failed for good ends the job the same way once their pods are gone (the Job's TTL, the pod garbage collector, an
 * operator that starts after they were deleted): the pods alone would leave {@code ShardsFailed}, which calls an
 * outage tolerated bad data.
 *
 * <p>A shard a pod still says why about is judged by its pods, whatever is recorded (a later attempt's pod seen
 * after an earlier one's); the record speaks for the others. The record keeps every shard not committed whose
 * latest failure was an outage, not only those failed for good: the last attempt of a shard the operator's ledger
 * closed says only {@code AttemptsExhausted}, and the pod of the outage before it may be gone by then. A shard
 * leaves it when it commits or fails otherwise, so it holds about the shards an outage is failing now, in
 * {@link CompactRanges} form; only the worker Job's failed indexes decide the job.
 */
public final class OutageShards {
    /** The job-wide outages' reasons, the model's first (named first when both failed shards). */
    public static final List<ShardFailureReason> REASONS =
            List.of(ShardFailureReason.ModelUnreachable, ShardFailureReason.StoreUnreachable);

    private OutageShards() {}

    /**
     * What decides the job.
     *
     * @param failed   the worker Job's failed indexes: the shards failed for good
     * @param pods     the finished worker pods that can still be read
     * @param recorded what {@code status.outageShards} says, decoded ({@link #decode}); empty for none
     * @return for each of {@link #REASONS}, the failed shards it failed (empty sets included)
     */
    public static Map<ShardFailureReason, RangeSet> of(
            RangeSet failed, Collection<FinishedPod> pods, Map<ShardFailureReason, RangeSet> recorded) {
        Map<ShardFailureReason, RangeSet> out = judge(failed::contains, pods, recorded);
        out.replaceAll((reason, shards) -> shards.intersect(failed));
        return out;
    }

    /**
     * What the status keeps.
     *
     * @param completed the worker Job's completed indexes: the committed shards
     * @return for each of {@link #REASONS}, the shards not committed whose latest failure it was
     */
    public static Map<ShardFailureReason, RangeSet> kept(
            RangeSet completed, Collection<FinishedPod> pods, Map<ShardFailureReason, RangeSet> recorded) {
        Map<ShardFailureReason, RangeSet> out = judge(shard -> !completed.contains(shard), pods, recorded);
        out.replaceAll((reason, shards) -> shards.minus(completed));
        return out;
    }

    /** Per reason, the shards whose pods say it, and those recorded with it about which no pod says anything. */
    private static Map<ShardFailureReason, RangeSet> judge(
            IntPredicate eligible, Collection<FinishedPod> pods, Map<ShardFailureReason, RangeSet> recorded) {
        Map<Integer, FinishedPod> latest = latestSayingWhy(eligible, pods);
        RangeSet.Builder judged = new RangeSet.Builder();
        latest.keySet().forEach(judged::add);
        RangeSet judgedByPods = judged.build();
        Map<ShardFailureReason, RangeSet> out = new EnumMap<>(ShardFailureReason.class);
        for (ShardFailureReason reason : REASONS) {
            RangeSet.Builder seen = new RangeSet.Builder();
            latest.forEach((shard, pod) -> {
                if (reason.name().equals(JobStatusFolder.failureOf(pod).getReason())) {
                    seen.add(shard);
                }
            });
            out.put(
                    reason,
                    seen.build()
                            .union(recorded.getOrDefault(reason, RangeSet.empty())
                                    .minus(judgedByPods)));
        }
        return out;
    }

    /** {@code status.outageShards} as sets; an absent or empty record gives an empty map. */
    public static Map<ShardFailureReason, RangeSet> decode(Map<String, String> recorded) {
        Map<ShardFailureReason, RangeSet> out = new EnumMap<>(ShardFailureReason.class);
        if (recorded != null) {
            for (ShardFailureReason reason : REASONS) {
                String shards = recorded.get(reason.name());
                if (shards != null && !shards.isEmpty()) {
                    out.put(reason, CompactRanges.decode(shards));
                }
            }
        }
        return out;
    }

    /** The sets as {@code status.outageShards}: only the reasons that failed shards; null when none did. */
    public static Map<String, String> encode(Map<ShardFailureReason, RangeSet> shards) {
        Map<String, String> out = new TreeMap<>();
        shards.forEach((reason, set) -> {
            if (!set.isEmpty()) {
                out.put(reason.name(), CompactRanges.encode(set));
            }
        });
        return out.isEmpty() ? null : out;
    }

    /**
     * Per eligible shard, its latest failing pod that says why (a shard the operator's ledger closed says only
     * that its attempts are spent, {@code AttemptsExhausted}: the failure before it is the cause).
     */
    private static Map<Integer, FinishedPod> latestSayingWhy(IntPredicate eligible, Collection<FinishedPod> pods) {
        Map<Integer, FinishedPod> latest = new TreeMap<>();
        Comparator<FinishedPod> order = Comparator.comparingInt(FinishedPod::attempt)
                .thenComparing(FinishedPod::finishedAt, Comparator.nullsFirst(Comparator.naturalOrder()));
        for (FinishedPod p : pods) {
            if (eligible.test(p.shard())
                    && p.isShardFailure()
                    && !ShardFailureReason.AttemptsExhausted.name()
                            .equals(JobStatusFolder.failureOf(p).getReason())) {
                latest.merge(p.shard(), p, (a, b) -> order.compare(a, b) >= 0 ? a : b);
            }
        }
        return latest;
    }
}
