package io.palimpsest.sim.http;

import io.palimpsest.sim.OutageMode;
import io.palimpsest.sim.RequestLog;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.engine.Scheduler;
import io.palimpsest.sim.faults.FaultInjector;
import io.palimpsest.sim.metrics.SimMetrics;
import io.palimpsest.sim.rules.ResponseRules;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Everything the endpoints of one simulator share. The scheduler and metrics belong to the
 * event loop of {@link #context()}; the volatile fields may be swapped from any thread.
 */
public final class SimState {
    private final SimConfig config;
    private final Vertx vertx;
    private final Context context;
    private final Scheduler scheduler;
    private final SimMetrics metrics;
    private final RequestLog requestLog;
    private final FaultInjector faults;
    private final long readyAtNanos;
    private final long createdEpochSeconds;
    private volatile ResponseRules rules;
    private volatile OutageMode outage;
    private volatile boolean draining;
    private long nextId;

    public SimState(
            SimConfig config,
            Vertx vertx,
            Context context,
            Scheduler scheduler,
            SimMetrics metrics,
            RequestLog requestLog,
            FaultInjector faults,
            ResponseRules rules) {
        this.config = config;
        this.vertx = vertx;
        this.context = context;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.requestLog = requestLog;
        this.faults = faults;
        this.rules = rules;
        this.readyAtNanos = System.nanoTime() + config.startupDelay().toNanos();
        this.createdEpochSeconds = System.currentTimeMillis() / 1000;
    }

    public SimConfig config() {
        return config;
    }

    public Vertx vertx() {
        return vertx;
    }

    public Context context() {
        return context;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public SimMetrics metrics() {
        return metrics;
    }

    public RequestLog requestLog() {
        return requestLog;
    }

    public FaultInjector faults() {
        return faults;
    }

    public ResponseRules rules() {
        return rules;
    }

    public void rules(ResponseRules rules) {
        this.rules = rules;
    }

    /** The current outage, or null when serving normally. */
    public OutageMode outage() {
        return outage;
    }

    public void outage(OutageMode outage) {
        this.outage = outage;
    }

    /** False while the simulated model is still "loading" (the startup delay), and once it drains for shutdown. */
    public boolean ready() {
        return !draining && System.nanoTime() - readyAtNanos >= 0;
    }

    /** True from SIGTERM on: requests in the engine run to their end, new ones are refused. */
    public boolean draining() {
        return draining;
    }

    public void draining(boolean draining) {
        this.draining = draining;
    }

    public long createdEpochSeconds() {
        return createdEpochSeconds;
    }

    /** Event-loop only. */
    public long nextId() {
        return nextId++;
    }

    public SimMetrics.Gauges gauges() {
        return new SimMetrics.Gauges(scheduler.runningCount(), scheduler.waitingCount(), scheduler.kvCacheUsage());
    }
}
