package io.palimpsest.operator.model.autoscale;

/** Why the recommender chose its replica count; shown in Events and logs, tested in the truth tables. */
public enum ScaleReason {
    /** Work appeared while no replica was running. */
    WakeOnWork,
    /** The queue needs more replicas than run now. */
    QueueDepthUp,
    /** The queue needed fewer replicas for the whole scale-down window. */
    QueueDepthDown,
    /**
     * Every shard left is running: what they keep in flight can only fall, so the fleet follows it
     * down without waiting for the scale-down window (no new work can make it flap back).
     */
    WorkDraining,
    /** A different recommendation has not held for its stabilization window yet. */
    Stabilizing,
    /** The current count matches the queue. */
    Steady,
    /** No fresh sample while there is work: keep what runs rather than guess. */
    NoFreshSample,
    /** No work for the idle window: down to replicas.min. */
    IdleToMin,
    /** The bound jobs ran out of work and none is left or queued: down to replicas.min after the scale-down window. */
    JobsDone,
    /**
     * As {@link #JobsDone}, but jobs are still bound whose worker Jobs wait for Kueue to admit them: none of their
     * workers can run, so the model does not keep replicas for them; Kueue's admission wakes it.
     */
    JobsQueued,
    /** Outside [min, max] after a spec change. */
    Bounds
}
