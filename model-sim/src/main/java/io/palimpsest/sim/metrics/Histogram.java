package io.palimpsest.sim.metrics;

import java.util.Arrays;

/** A cumulative Prometheus histogram with fixed upper bounds; written and read on one thread. */
public final class Histogram {
    private final double[] upperBounds;
    private final long[] counts;
    private double sum;
    private long count;

    public Histogram(double... upperBounds) {
        this.upperBounds = upperBounds.clone();
        Arrays.sort(this.upperBounds);
        this.counts = new long[upperBounds.length];
    }

    public void observe(double value) {
        for (int i = 0; i < upperBounds.length; i++) {
            if (value <= upperBounds[i]) {
                counts[i]++;
            }
        }
        sum += value;
        count++;
    }

    double[] upperBounds() {
        return upperBounds;
    }

    /** Observations at or below each bound (cumulative, as Prometheus wants). */
    long[] cumulativeCounts() {
        return counts.clone();
    }

    public double sum() {
        return sum;
    }

    public long count() {
        return count;
    }
}
