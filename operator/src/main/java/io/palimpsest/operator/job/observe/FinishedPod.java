package io.palimpsest.operator.job.observe;

import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardReason;
import io.palimpsest.api.worker.ShardSummary;
import java.time.Instant;

/**
 * One terminated worker pod, reduced to what the status fold needs.
 *
 * @param shard      the pod's completion index (from the Job controller's annotation, not the message)
 * @param attempt    failures charged to the shard before this attempt (0 for the first), see {@link ShardAttempts}
 * @param succeeded  the pod's phase is Succeeded
 * @param disrupted  the pod carries a DisruptionTarget condition (preemption, eviction): not the shard's fault
 * @param summary    the parsed termination message, or null when the pod wrote none (crash, OOM)
 * @param exitCode   the worker container's exit code, or null
 * @param reason     the container's termination reason (OOMKilled, Error, ...), or null
 * @param message    the raw termination message when it was not a summary (log tail), or null
 * @param finishedAt when the container terminated
 */
public record FinishedPod(
        int shard,
        int attempt,
        boolean succeeded,
        boolean disrupted,
        ShardSummary summary,
        Integer exitCode,
        String reason,
        String message,
        Instant finishedAt) {

    /** The pod's shard is committed and its summary carries the receipt's counts. */
    public boolean reportsCommit() {
        return summary != null
                && (summary.getOutcome() == ShardSummary.Outcome.committed
                        || summary.getOutcome() == ShardSummary.Outcome.alreadyCommitted);
    }

    /**
     * A failure worth showing: the attempt failed and it was neither a preemption nor a stop on
     * SIGTERM (the pod was deleted: suspend, scale-in, a finished Job; the worker committed what
     * was answered and the shard resumes from there).
     */
    public boolean isShardFailure() {
        return !succeeded && !disrupted && !reportsCommit() && !terminated();
    }

    /**
     * The worker stopped on SIGTERM: its summary's reason, or exit 143 without a summary (SIGTERM
     * arrived while the JVM was starting, before the worker could answer it; nothing was committed).
     */
    public boolean terminated() {
        return summary != null
                ? ShardReason.TERMINATED.of(summary)
                : exitCode != null && exitCode == ExitCodes.TERMINATED;
    }
}
