package io.palimpsest.worker.cli;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * The JDK's {@link LogManager} with one change: the reset its own shutdown hook runs (which closes and removes
 * every handler) waits until the command's shutdown work is over. On SIGTERM or SIGINT the JVM runs every
 * shutdown hook at once; without this the JDK's reset would race {@link SigtermHook}, and the warnings a shard
 * logs while it stops ({@code terminated; N documents kept in checkpoint parts}) would go to no handler: lost
 * from a preempted pod's log, the lines most needed there.
 *
 * <p>{@link PalimpsestCli#main} installs it through the {@code java.util.logging.manager} system property before
 * anything logs (a manager named on the command line is left alone). A reset outside a shutdown (e.g. {@code
 * readConfiguration}) is the JDK's, unchanged.
 */
public final class ShutdownLogManager extends LogManager {

    /** The shutdown hooks whose work the reset waits for: {@link SigtermHook}'s, while installed. */
    private static final Set<Thread> RESET_AFTER = ConcurrentHashMap.newKeySet();

    /** The longest the reset waits for them (each waits for a bounded time of its own). */
    private static volatile long waitMillis = TimeUnit.MINUTES.toMillis(1);

    public ShutdownLogManager() {
        super();
    }

    /** The JVM's shutdown resets logging only after {@code hook} (a registered shutdown hook) has returned. */
    static void resetAfter(Thread hook, long boundMillis) {
        RESET_AFTER.add(hook);
        waitMillis = Math.max(waitMillis, boundMillis);
    }

    /** {@code hook} was removed from the shutdown hooks: nothing to wait for. */
    static void noLongerAfter(Thread hook) {
        RESET_AFTER.remove(hook);
    }

    @Override
    public void reset() {
        if (shuttingDown() && !RESET_AFTER.contains(Thread.currentThread())) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
            for (Thread hook : RESET_AFTER) {
                awaitEnd(hook, deadline);
            }
            flushAll();
        }
        super.reset();
    }

    /** True once the JVM runs its shutdown hooks (the JDK refuses changes to them from then on). */
    private static boolean shuttingDown() {
        try {
            Runtime.getRuntime().removeShutdownHook(new Thread(() -> {}));
            return false;
        } catch (IllegalStateException shutdownInProgress) {
            return true;
        }
    }

    private static void awaitEnd(Thread hook, long deadline) {
        try {
            // the JVM starts every hook before it waits for any: one still new is about to start
            while (hook.getState() == Thread.State.NEW && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left > 0) {
                hook.join(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void flushAll() {
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            handler.flush();
        }
    }
}
