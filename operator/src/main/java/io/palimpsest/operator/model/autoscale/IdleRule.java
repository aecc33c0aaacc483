package io.palimpsest.operator.model.autoscale;

import java.time.Duration;
import java.time.Instant;

/**
 * When a model with no work goes down to replicas.min (0 allowed), and which queue samples count
 * as work once the bound jobs have none.
 *
 * <ul>
 *   <li>The idle wait counts from the last decision that saw work: a bound job with shards left, or
 *       requests in the queue. A sample taken before a bound job was last seen with work shows that
 *       job's own last requests, not new ones; counted as work, it would start the wait up to a
 *       period after the job ended.</li>
 *   <li>The last work was a bound job's, no bound job is held (suspended) and nothing is queued:
 *       no one the model could wait for is bound to it, and a new job wakes it anyway. It goes to
 *       min after the scale-down window (the guard against a dip in load), or after idle-to-zero
 *       when that is shorter: for a GPU replica, minutes of idling cost more than a reload that a
 *       new campaign pays once. A job whose worker Job waits for Kueue to admit it is no one to wait
 *       for either: none of its workers can run, possibly for hours while the queue's quota is taken,
 *       and Kueue's admission makes it work again, which wakes the model ({@link ScaleReason#JobsQueued}).</li>
 *   <li>Otherwise (a suspended job still bound, or requests from other clients were the last
 *       work): after idle-to-zero, the wait for work that may come back.</li>
 * </ul>
 */
final class IdleRule {

    private IdleRule() {}

    /** Whether {@code fresh} shows requests other than the ones of a bound job that has since run out of work. */
    static boolean queueBusy(QueueSample fresh, ScalingHistory history) {
        if (fresh == null || fresh.load() <= 0) {
            return false;
        }
        Instant jobs = history.lastJobWorkAt();
        return jobs == null || fresh.sampledAt().isAfter(jobs);
    }

    /** The bound jobs' work was the model's last work and none is held: nothing left to wait for. */
    static boolean released(ScalingHistory history, Backlog backlog) {
        return backlog.heldJobs() == 0
                && history.lastJobWorkAt() != null
                && (history.lastBusyAt() == null || !history.lastBusyAt().isAfter(history.lastJobWorkAt()));
    }

    /** How long a model without work keeps its replicas after its last work. */
    static Duration wait(ScalingHistory history, Backlog backlog, ScalingPolicy policy) {
        if (released(history, backlog)) {
            return policy.scaleDownWindow().compareTo(policy.idleToMin()) < 0
                    ? policy.scaleDownWindow()
                    : policy.idleToMin();
        }
        return policy.idleToMin();
    }

    /** Whether a model without work has waited long enough to go to min (no work ever seen: at once). */
    static boolean over(ScalingHistory history, Backlog backlog, ScalingPolicy policy, Instant now) {
        return history.lastBusyAt() == null
                || !now.isBefore(history.lastBusyAt().plus(wait(history, backlog, policy)));
    }

    static ScaleReason reason(ScalingHistory history, Backlog backlog) {
        if (!released(history, backlog)) {
            return ScaleReason.IdleToMin;
        }
        return backlog.queuedJobs() > 0 ? ScaleReason.JobsQueued : ScaleReason.JobsDone;
    }
}
