package io.palimpsest.operator.model.autoscale;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Decides how many vLLM replicas a model needs (DESIGN section 6). A pure function of the
 * last decision, the latest queue sample, the backlog of bound jobs, the policy, the time and
 * the history of past recommendations; it performs no I/O.
 *
 * <ul>
 *   <li>Work and no replica: one replica (or min, or what the backlog needs) at once, without
 *       waiting for a window.</li>
 *   <li>Busy: ceil(load / (runningCeiling + targetWaitingPerReplica)), clamped to [max(1, min), max],
 *       where runningCeiling is maxNumSeqs, or what the KV cache holds when the sample shows it
 *       filling ({@link ScalingPolicy#runningCeiling}): with long documents a vLLM replica runs
 *       far fewer than maxNumSeqs and the queue alone would undercount the replicas needed (a
 *       ceiling once seen is remembered for {@link ScalingPolicy#ceilingMemory}, since the fleet it
 *       grew spreads the same requests over emptier caches that show none);
 *       where load is the larger of what the queue holds (waiting + running) and what the jobs'
 *       backlog could keep in flight. The backlog term sizes the fleet for a campaign at once:
 *       sized by the queue alone, a fleet grows one model load at a time, since the workers'
 *       parallelism follows the replicas that are ready. Up when the lowest recommendation of
 *       the scale-up window is above the current count, down only to the highest recommendation of the scale-down window
 *       (the HPA's rule: a brief dip or spike does not move the fleet, so no flapping).</li>
 *   <li>Draining (every shard left is running, none waits to start): down to the recommendation at
 *       once, without the scale-down window; the requests those shards keep in flight can only fall,
 *       so there is nothing to flap back to.</li>
 *   <li>No work and an empty queue: replicas.min (0 allowed), no window, after the scale-down
 *       window when the last work was a bound job's and none is left, else after idleToMin
 *       ({@link IdleRule}).</li>
 * </ul>
 */
public final class ReplicaRecommender {

    public Recommendation recommend(
            int current,
            QueueSample sample,
            Backlog backlog,
            ScalingPolicy policy,
            Instant now,
            ScalingHistory history) {
        QueueSample fresh = sample != null && sample.isFresh(now, policy.sampleMaxAge()) ? sample : null;
        boolean busy = backlog.any() || IdleRule.queueBusy(fresh, history);

        ScalingHistory h = history;
        OptionalInt ceiling = policy.measuredCeiling(fresh);
        if (ceiling.isPresent()) {
            h = h.withCeiling(new ScalingHistory.Ceiling(ceiling.getAsInt(), now));
        }
        ScalingHistory.Ceiling remembered = h.ceiling();
        if (backlog.any()) {
            h = h.withLastJobWorkAt(now);
        }
        if (busy) {
            h = h.withLastBusyAt(now);
        } else if (h.lastBusyAt() == null && current > 0) {
            // First decision after a restart: the idle clock starts now, not at the epoch.
            h = h.withLastBusyAt(now);
        }

        if (!busy) {
            if (current == 0 || IdleRule.over(h, backlog, policy, now)) {
                int target = policy.min();
                ScaleReason reason = target == current ? ScaleReason.Steady : IdleRule.reason(h, backlog);
                return new Recommendation(target, target, reason, h.reset(now, target));
            }
        }

        if (busy && current == 0) {
            int target = replicasFor(fresh, backlog, policy, remembered, now);
            return new Recommendation(target, target, ScaleReason.WakeOnWork, h.reset(now, target));
        }

        int raw;
        boolean holding = false;
        if (busy && fresh == null) {
            raw = Math.max(policy.clamp(current), replicasFor(null, backlog, policy, remembered, now));
            holding = true;
        } else {
            raw = replicasFor(fresh, backlog, policy, remembered, now);
        }

        Duration keep = policy.scaleUpWindow().compareTo(policy.scaleDownWindow()) > 0
                ? policy.scaleUpWindow()
                : policy.scaleDownWindow();
        if (h.entries().isEmpty()) {
            // No memory (new model or operator restart): what runs now counts as recommended now,
            // so a restart never shortcuts the scale-down window.
            h = h.record(now, current, keep);
        }
        h = h.record(now, raw, keep);
        int upTo = h.lowestWithin(now, policy.scaleUpWindow(), raw);
        // The end of the work: every shard left runs, so the need only falls from here. Waiting out the
        // window would keep replicas for requests that can no longer come; the window is there for dips
        // in a load that may come back.
        boolean draining = backlog.draining() && !holding;
        int downTo = draining ? raw : h.highestWithin(now, policy.scaleDownWindow(), raw);

        int target;
        ScaleReason reason;
        if (current < upTo) {
            target = upTo;
            reason = ScaleReason.QueueDepthUp;
        } else if (current > downTo) {
            target = downTo;
            reason = draining ? ScaleReason.WorkDraining : ScaleReason.QueueDepthDown;
        } else {
            target = current;
            reason =
                    holding ? ScaleReason.NoFreshSample : raw == current ? ScaleReason.Steady : ScaleReason.Stabilizing;
        }
        int bounded = policy.clamp(target);
        if (bounded != target) {
            reason = ScaleReason.Bounds;
        }
        return new Recommendation(bounded, raw, reason, h);
    }

    /**
     * When the idle wait of a model without work ends, so that its decision runs then rather than
     * at the next scrape (up to a period later); empty while it is busy or already at min.
     */
    public static Optional<Instant> idleEndsAt(
            int replicas, ScalingHistory history, Backlog backlog, ScalingPolicy policy, Instant now) {
        if (replicas <= policy.min()
                || history.lastBusyAt() == null
                || !history.lastBusyAt().isBefore(now)) {
            return Optional.empty();
        }
        Instant end = history.lastBusyAt().plus(IdleRule.wait(history, backlog, policy));
        return end.isAfter(now) ? Optional.of(end) : Optional.empty();
    }

    /** ceil(load / capacity per replica) within [max(1, min), max]; load: the queue (when sampled) or the backlog, the larger. */
    private static int replicasFor(
            QueueSample sample, Backlog backlog, ScalingPolicy policy, ScalingHistory.Ceiling remembered, Instant now) {
        long load = Math.max(sample == null ? 0 : sample.load(), backlog.requests());
        int perReplica = policy.capacityPerReplica(sample, remembered, now);
        long needed = (load + perReplica - 1) / perReplica;
        return (int) Math.max(policy.busyFloor(), Math.min(policy.max(), needed));
    }
}
