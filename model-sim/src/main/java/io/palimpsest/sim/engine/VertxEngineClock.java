package io.palimpsest.sim.engine;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

/** {@link EngineClock} on one Vert.x context, so the scheduler shares the sockets' thread. */
public final class VertxEngineClock implements EngineClock {
    /** Below this a timer would fire late anyway; the scheduler's timeline absorbs the error. */
    private static final long RUN_NOW_BELOW_NANOS = 500_000;

    private final Vertx vertx;
    private final Context context;

    public VertxEngineClock(Vertx vertx, Context context) {
        this.vertx = vertx;
        this.context = context;
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public void schedule(long delayNanos, Runnable task) {
        if (delayNanos < RUN_NOW_BELOW_NANOS) {
            context.runOnContext(v -> task.run());
        } else {
            long millis = Math.max(1, Math.round(delayNanos / 1e6));
            if (Vertx.currentContext() == context) {
                vertx.setTimer(millis, id -> task.run());
            } else {
                context.runOnContext(v -> vertx.setTimer(millis, id -> task.run()));
            }
        }
    }
}
