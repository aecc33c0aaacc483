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

/**
 * The shards failed for good because something every document needs could not be reached, by the outage's
 * reason: those whose latest failure that says why is {@code ModelUnreachable} or {@code StoreUnreachable}.
 * Read from the finished pods, and kept in {@code status.outageShards}, so that a worker Job that finished with
 * such shards ends the job the same way once their pods are gone (the Job's TTL, the pod garbage collector, an
 * operator that starts after they were deleted): the pods alone would leave {@code ShardsFailed}, which calls
 * an outage tolerated bad data.
 *
 * <p>A shard a pod still says why about is judged by its pods, whatever is recorded (a later attempt's pod seen
 * after an earlier one's); the record speaks for the others. Only the worker Job's failed indexes count: a
 * shard that met the outage and committed later is not one, and the record is no larger than the failed
 * shards, in {@link CompactRanges} form.
 */
public final class OutageShards {
    /** The job-wide outages' reasons, the model's first (named first when both failed shards). */
    public static final List<ShardFailureReason> REASONS =
            List.of(ShardFailureReason.ModelUnreachable, ShardFailureReason.StoreUnreachable);

    private OutageShards() {}

    /**
     * @param failed   the worker Job's failed indexes: the shards failed for good
     * @param pods     the finished worker pods that can still be read
     * @param recorded what {@code status.outageShards} says, decoded ({@link #decode}); empty for none
     * @return for each of {@link #REASONS}, the failed shards it failed (empty sets included)
     */
    public static Map<ShardFailureReason, RangeSet> of(
            RangeSet failed, Collection<FinishedPod> pods, Map<ShardFailureReason, RangeSet> recorded) {
        Map<Integer, FinishedPod> latest = latestSayingWhy(failed, pods);
        RangeSet.Builder judgedByPods = new RangeSet.Builder();
        latest.keySet().forEach(judgedByPods::add);
        RangeSet fromRecord = failed.minus(judgedByPods.build());
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
                                    .intersect(fromRecord)));
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
     * Per failed shard, its latest failing pod that says why (a shard the operator's ledger closed says only
     * that its attempts are spent, {@code AttemptsExhausted}: the failure before it is the cause).
     */
    private static Map<Integer, FinishedPod> latestSayingWhy(RangeSet failed, Collection<FinishedPod> pods) {
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
        return latest;
    }
}
