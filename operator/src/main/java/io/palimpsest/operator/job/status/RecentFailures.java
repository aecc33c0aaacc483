package io.palimpsest.operator.job.status;

import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriteJobStatus.ShardFailure;
import io.palimpsest.operator.status.Rfc3339;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps the newest shard failures, at most {@link #LIMIT}, oldest first. A failure is one
 * (shard, attempt); seeing the same pod again changes nothing, and a failure older than the
 * newest {@link #LIMIT} stays out, so repeated folds of the same pods are stable.
 */
public final class RecentFailures {
    public static final int LIMIT = RewriteJobStatus.MAX_RECENT_FAILURES;

    private static final Comparator<ShardFailure> OLDEST_FIRST = Comparator.comparing(
                    (ShardFailure f) -> f.getTime() == null ? "" : f.getTime())
            .thenComparingInt(ShardFailure::getShard)
            .thenComparingInt(ShardFailure::getAttempt);

    private RecentFailures() {}

    public static List<ShardFailure> merge(List<ShardFailure> previous, Collection<ShardFailure> seen) {
        Map<String, ShardFailure> byAttempt = new LinkedHashMap<>();
        if (previous != null) {
            previous.forEach(f -> byAttempt.put(key(f), f));
        }
        seen.forEach(f -> byAttempt.putIfAbsent(key(f), f));
        List<ShardFailure> all = new ArrayList<>(byAttempt.values());
        all.sort(OLDEST_FIRST);
        return new ArrayList<>(all.subList(Math.max(0, all.size() - LIMIT), all.size()));
    }

    /** When the list is full, the time of its oldest entry (older failures cannot enter); otherwise null. */
    static Instant oldestKept(List<ShardFailure> kept) {
        if (kept == null || kept.size() < LIMIT || kept.get(0).getTime() == null) {
            return null;
        }
        try {
            return Rfc3339.parse(kept.get(0).getTime());
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String key(ShardFailure f) {
        return f.getShard() + "/" + f.getAttempt();
    }
}
