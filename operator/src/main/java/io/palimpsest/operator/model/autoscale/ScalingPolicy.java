package io.palimpsest.operator.model.autoscale;

import io.palimpsest.api.v1alpha1.RewriterModelSpec;

import java.time.Duration;
import java.util.Optional;

/** The spec's scaling knobs with the CRD defaults applied, so the recommender never sees nulls. */
public record ScalingPolicy(
        int min,
        int max,
        int maxNumSeqs,
        int targetWaitingPerReplica,
        Duration scaleUpWindow,
        Duration scaleDownWindow,
        Duration idleToMin,
        Duration period) {

    public ScalingPolicy {
        if (min < 0 || max < 1 || min > max) {
            throw new IllegalArgumentException("replicas must satisfy 0 <= min <= max, max >= 1: " + min + ".." + max);
        }
    }

    /** Per-replica capacity: a full batch plus the tolerated queue. */
    public int capacityPerReplica() {
        return Math.max(1, maxNumSeqs + targetWaitingPerReplica);
    }

    /** Fewest replicas while there is work: at least one, whatever min says. */
    public int busyFloor() {
        return Math.max(1, min);
    }

    public int clamp(int replicas) {
        return Math.max(min, Math.min(max, replicas));
    }

    /** A sample is stale when three periods passed without a new one. */
    public Duration sampleMaxAge() {
        return period.multipliedBy(3);
    }

    public static ScalingPolicy from(RewriterModelSpec spec) {
        var replicas = Optional.ofNullable(spec.getReplicas());
        var autoscaling = Optional.ofNullable(spec.getAutoscaling());
        var engine = Optional.ofNullable(spec.getEngine());
        int max = replicas.map(RewriterModelSpec.Replicas::getMax).orElse(1);
        int min = Math.min(max, replicas.map(RewriterModelSpec.Replicas::getMin).orElse(0));
        return new ScalingPolicy(
                min,
                max,
                engine.map(RewriterModelSpec.Engine::getMaxNumSeqs).orElse(256),
                autoscaling.map(RewriterModelSpec.Autoscaling::getTargetWaitingPerReplica).orElse(16),
                Duration.ofSeconds(autoscaling.map(RewriterModelSpec.Autoscaling::getScaleUpStabilizationSeconds).orElse(0)),
                Duration.ofSeconds(autoscaling.map(RewriterModelSpec.Autoscaling::getScaleDownStabilizationSeconds).orElse(300)),
                Duration.ofSeconds(autoscaling.map(RewriterModelSpec.Autoscaling::getIdleToZeroSeconds).orElse(600)),
                Duration.ofSeconds(autoscaling.map(RewriterModelSpec.Autoscaling::getPeriodSeconds).orElse(15)));
    }
}
