package io.palimpsest.operator.model.autoscale;

/**
 * One decision: the replica count, why, and the history to feed into the next decision.
 *
 * @param replicas desired replicas
 * @param raw      what the queue alone asks for, before stabilization (for metrics and events)
 */
public record Recommendation(int replicas, int raw, ScaleReason reason, ScalingHistory history) {}
