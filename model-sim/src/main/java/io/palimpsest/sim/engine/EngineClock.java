package io.palimpsest.sim.engine;

/**
 * Time for the scheduler: a monotonic clock and one-shot timers that run on the scheduler's
 * single thread. Vert.x provides it in the server; tests drive a manual one.
 */
public interface EngineClock {
    long nanoTime();

    /** Runs {@code task} on the scheduler's thread after {@code delayNanos} (at once if <= 0). */
    void schedule(long delayNanos, Runnable task);
}
