package io.palimpsest.operator.job.status;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriteJobStatus.ShardFailure;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Warning Events (reason {@value #REASON}) for the shard failures that enter recentFailures in this
 * reconcile, one Event per cause with a count (a log line per failure). The recorded status is the
 * memory, so a restarted operator does not repeat them; at most
 * {@link RewriteJobStatus#MAX_RECENT_FAILURES} per reconcile.
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

    /**
     * Each new failure is a line of the log; the Events are one per cause (the failure's reason), counted
     * ({@link PhaseEvents#counted}): the message is the cause's latest failure, the count all of them.
     */
    public static void record(
            KubernetesClient client, RewriteJob job, RewriteJobStatus previous, RewriteJobStatus next, Instant now) {
        Map<String, List<String>> byCause = new LinkedHashMap<>();
        for (ShardFailure f : added(previous, next)) {
            String message = "shard " + f.getShard() + " attempt " + f.getAttempt() + " failed: " + f.getReason()
                    + (f.getMessage() == null || f.getMessage().isEmpty() ? "" : ": " + f.getMessage());
            PhaseEvents.log(job, "Warning", REASON, message);
            byCause.computeIfAbsent(String.valueOf(f.getReason()), c -> new ArrayList<>())
                    .add(message);
        }
        byCause.forEach((cause, messages) -> PhaseEvents.counted(
                client, job, "Warning", REASON, cause, messages.get(messages.size() - 1), messages.size(), now));
    }
}
