package io.palimpsest.sim.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.Arrays;

/**
 * The measured window of a load run: what completes (and which stream events arrive) between the
 * end of the warm-up and the end of the run. Updated from the driver's single event loop, so
 * plain fields suffice; read once the run has drained.
 */
final class LoadWindow {
    private final long from;
    private final long to;
    private long completed;
    private long errors;
    private long tokens;
    private double[] latencies = new double[1 << 12];
    private int latencyCount;
    private long cpuAtStart = -1;
    private long cpuAtEnd = -1;

    LoadWindow(long now, double warmupSeconds, double measureSeconds) {
        this.from = now + (long) (warmupSeconds * 1e9);
        this.to = from + (long) (measureSeconds * 1e9);
    }

    boolean over(long now) {
        return now >= to;
    }

    void tokenEvent(long now) {
        if (now >= from && now < to) {
            tokens++;
        }
    }

    void finished(long start, long end, boolean ok) {
        if (end >= from && cpuAtStart < 0) {
            cpuAtStart = processCpuNanos();
        }
        if (end >= to && cpuAtEnd < 0) {
            cpuAtEnd = processCpuNanos();
        }
        if (end < from || end >= to) {
            return;
        }
        if (!ok) {
            errors++;
            return;
        }
        completed++;
        if (latencyCount == latencies.length) {
            latencies = Arrays.copyOf(latencies, latencies.length * 2);
        }
        latencies[latencyCount++] = (end - start) / 1e9;
    }

    synchronized LoadResult result() {
        double[] sorted = Arrays.copyOf(latencies, latencyCount);
        Arrays.sort(sorted);
        long cpu = cpuAtStart < 0 ? 0 : (cpuAtEnd < 0 ? processCpuNanos() : cpuAtEnd) - cpuAtStart;
        return new LoadResult(completed, errors, tokens, (to - from) / 1e9, sorted, cpu / 1e9);
    }

    private static long processCpuNanos() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }
}
