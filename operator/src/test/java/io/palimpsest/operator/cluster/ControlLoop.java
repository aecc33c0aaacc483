package io.palimpsest.operator.cluster;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One controller's work loop: a single thread that runs a level-based pass whenever something
 * changed (a watch event kicks it) and at least every {@code resync}. Kicks arriving during a pass
 * coalesce into one more pass, and passes are spaced by {@code minGap}, so a burst of pod updates
 * costs a few passes, not one per event. A failing pass (e.g. a 409 on a status write) is retried
 * on the next one, as a real controller's work queue would.
 */
final class ControlLoop implements AutoCloseable {

    private final String name;
    private final Runnable pass;
    private final Duration resync;
    private final Duration minGap;
    private final EventLog log;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean kicked = true;
    private volatile boolean running;
    private volatile long passes;
    private Thread thread;

    ControlLoop(String name, Runnable pass, Duration resync, Duration minGap, EventLog log) {
        this.name = name;
        this.pass = pass;
        this.resync = resync;
        this.minGap = minGap;
        this.log = log;
    }

    void start() {
        running = true;
        thread = new Thread(this::loop, "sim-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    void kick() {
        lock.lock();
        try {
            kicked = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    long passes() {
        return passes;
    }

    private void loop() {
        while (running) {
            lock.lock();
            try {
                if (!kicked) {
                    wake.await(resync.toMillis(), TimeUnit.MILLISECONDS);
                }
                kicked = false;
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            if (!running) {
                return;
            }
            try {
                pass.run();
            } catch (RuntimeException e) {
                if (running) {
                    log.record(name, "-", "pass failed, retrying: " + e);
                    kick();
                }
            }
            passes++;
            try {
                Thread.sleep(minGap.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
