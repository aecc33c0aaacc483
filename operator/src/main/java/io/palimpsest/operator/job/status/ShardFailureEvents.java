package io.palimpsest.operator.job.status;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriteJobStatus.ShardFailure;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A Warning Event (reason {@value #REASON}) for each shard failure that enters recentFailures in
 * this reconcile. The recorded status is the memory, so a restarted operator does not repeat
 * them; at most {@link RewriteJobStatus#MAX_RECENT_FAILURES} per reconcile.
 */
public final class ShardFailureEvents {
    static final String REASON = "ShardFailed";

    private ShardFailureEvents() {}

    /** The failures in {@code next} that {@code previous} did not list. */
    static List<ShardFailure> added(RewriteJobStatus previous, RewriteJobStatus next) {
        Set<ShardFailure> known = new HashSet<>(
                previous == null || previous.getRecentFailures() == null ? List.of() : previous.getRecentFailures());
        List<ShardFailure> out = new ArrayList<>();
        for (ShardFailure f : next.getRecentFailures() == null ? List.<ShardFailure>of() : next.getRecentFailures()) {
            if (!known.contains(f)) {
                out.add(f);
            }
        }
        return out;
    }

    public static void record(
            KubernetesClient client, RewriteJob job, RewriteJobStatus previous, RewriteJobStatus next, Instant now) {
        for (ShardFailure f : added(previous, next)) {
            PhaseEvents.record(
                    client,
                    job,
                    "Warning",
                    REASON,
                    "shard " + f.getShard() + " attempt " + f.getAttempt() + " failed: " + f.getReason()
                            + (f.getMessage() == null || f.getMessage().isEmpty() ? "" : ": " + f.getMessage()),
                    now);
        }
    }
}
