package io.palimpsest.operator.model.autoscale;

import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.api.worker.ModelDefaults;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalInt;

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

    /** Below this KV usage the cache is not what bounds the batch, and extrapolating from it is guesswork. */
    static final double KV_USAGE_FOR_CEILING = 0.5;

    /** Per-replica capacity: a full batch plus the tolerated queue. */
    public int capacityPerReplica() {
        return Math.max(1, maxNumSeqs + targetWaitingPerReplica);
    }

    /**
     * Per-replica capacity as the replicas show it: the running ceiling plus the tolerated queue.
     * On vLLM running levels off at min(max_num_seqs, KV cache / tokens per request), so with long
     * documents a replica holds far fewer than max_num_seqs and sizing by max_num_seqs undercounts
     * the replicas needed.
     */
    public int capacityPerReplica(QueueSample sample) {
        return Math.max(1, runningCeiling(sample) + targetWaitingPerReplica);
    }

    /**
     * How many sequences one replica can run: max_num_seqs, or fewer when the sample shows a KV
     * cache at least half full, extrapolated from what runs per busy replica at that usage (r
     * running at usage u: the cache holds about r / u of the current requests). Idle replicas
     * (just added, not reached yet) say nothing about the ceiling.
     */
    public int runningCeiling(QueueSample sample) {
        return measuredCeiling(sample).orElse(maxNumSeqs);
    }

    /**
     * Per-replica capacity from the ceiling the replicas show now or showed within
     * {@link #ceilingMemory()}: a fleet just grown spreads the same requests thinner, its caches
     * are less than half full and show no ceiling, yet the documents (and so the ceiling) have
     * not changed; forgetting it would size the fleet back down by maxNumSeqs, and flap.
     */
    public int capacityPerReplica(QueueSample sample, ScalingHistory.Ceiling remembered, Instant now) {
        OptionalInt measured = measuredCeiling(sample);
        if (measured.isEmpty()
                && remembered != null
                && !now.isAfter(remembered.at().plus(ceilingMemory()))) {
            return Math.max(1, remembered.sequences() + targetWaitingPerReplica);
        }
        return capacityPerReplica(sample);
    }

    /** How long an observed running ceiling holds without a new one: the scale-down window, at least a minute. */
    public Duration ceilingMemory() {
        return scaleDownWindow.compareTo(Duration.ofMinutes(1)) > 0 ? scaleDownWindow : Duration.ofMinutes(1);
    }

    /** The ceiling when the sample shows a KV cache at least half full on its busy replicas; else empty. */
    public OptionalInt measuredCeiling(QueueSample sample) {
        if (sample == null
                || !(sample.kvUsage() >= KV_USAGE_FOR_CEILING)
                || sample.busyPods() <= 0
                || sample.running() == 0) {
            return OptionalInt.empty();
        }
        double perReplica = (double) sample.running() / sample.busyPods();
        double ceiling = perReplica / Math.min(1.0, sample.kvUsage());
        return OptionalInt.of((int) Math.max(1, Math.min(maxNumSeqs, Math.floor(ceiling))));
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

    /** The model's settings, each field its CRD default where the manifest says nothing ({@link ModelDefaults}). */
    public static ScalingPolicy from(RewriterModelSpec spec) {
        RewriterModelSpec full = ModelDefaults.of(spec);
        RewriterModelSpec.Autoscaling a = full.getAutoscaling();
        int max = full.getReplicas().getMax();
        return new ScalingPolicy(
                Math.min(max, full.getReplicas().getMin()),
                max,
                full.getEngine().getMaxNumSeqs(),
                a.getTargetWaitingPerReplica(),
                Duration.ofSeconds(a.getScaleUpStabilizationSeconds()),
                Duration.ofSeconds(a.getScaleDownStabilizationSeconds()),
                Duration.ofSeconds(a.getIdleToZeroSeconds()),
                Duration.ofSeconds(a.getPeriodSeconds()));
    }
}
