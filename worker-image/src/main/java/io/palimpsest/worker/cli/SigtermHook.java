package io.palimpsest.worker.cli;

import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.worker.run.ShardRunner;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM for {@code run} and {@code local} alike. The signal (the kubelet's first word when a pod is
 * deleted; Ctrl-C or {@code kill} on a machine) runs the JVM's shutdown hooks: this one asks every
 * shard runner of the process to stop (take no more documents, let those in flight come back within
 * {@code stopWithin}, commit what was answered) and waits until the command has written its summary,
 * so the process exits (with 143) only after committing what was answered and reporting it. A runner
 * that starts after the signal stops at once; {@link #stopping()} tells a command to start no more.
 */
final class SigtermHook {
    /**
     * The signal the process received, as the JVM's own handlers for SIGTERM and SIGINT see it before they
     * start the shutdown: a shutdown hook alone cannot tell them apart. Null until one came, or where the
     * handlers could not be wrapped ({@code -Xrs}, a signal ignored from the start): summaries then say
     * "stopped by a signal".
     */
    private static volatile String received;

    private static boolean watching;

    /**
     * Wraps the JVM's handler of each signal that stops a run with one that records its name first; the JVM's
     * handler then shuts down as before (exit 128 + the signal's number, the shutdown hooks run).
     */
    static synchronized void watchSignals() {
        if (watching) {
            return;
        }
        watching = true;
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal signal = new Signal(name);
                SignalHandler[] jvms = new SignalHandler[1];
                jvms[0] = Signal.handle(signal, s -> {
                    received = "SIG" + s.getName();
                    SignalHandler jvm = jvms[0];
                    if (jvm != null) {
                        jvm.handle(s);
                    } else {
                        System.exit(128 + s.getNumber()); // came while the wrapper was being put in place
                    }
                });
                if (jvms[0] == SignalHandler.SIG_DFL || jvms[0] == SignalHandler.SIG_IGN) {
                    Signal.handle(signal, jvms[0]); // not the JVM's shutdown: leave it as it was
                }
            } catch (IllegalArgumentException | UnsupportedOperationException notHere) {
                // the signal is reserved or unknown here: summaries say "stopped by a signal"
            }
        }
    }

    /** {@code SIGTERM} or {@code SIGINT}, once received; null before, or when not known. */
    static String received() {
        return received;
    }

    private final CountDownLatch finished = new CountDownLatch(1);
    private final Set<ShardRunner> running = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;
    private Duration stopWithin;
    private Thread hook;

    /** Installs the hook (once); from now on a SIGTERM stops the runners and waits for {@link #done}. */
    synchronized void install(Duration within) {
        if (hook != null) {
            return;
        }
        stopWithin = within;
        watchSignals();
        hook = new Thread(
                () -> {
                    stopping = true;
                    running.forEach(runner -> runner.stop(within, received));
                    try {
                        finished.await(within.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "sigterm");
        // the JDK's shutdown hook closes the log handlers: only after this one, so the shards' stopping lines show
        ShutdownLogManager.resetAfter(hook, within.plusSeconds(10).toMillis());
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** A runner about to run its shard: stopped by the signal, at once if it came already. */
    void started(ShardRunner runner, Duration within) {
        install(within);
        running.add(runner);
        if (stopping) {
            runner.stop(stopWithin, received);
        }
    }

    /** The runner's shard attempt is over (it returned its report). */
    void ended(ShardRunner runner) {
        running.remove(runner);
    }

    /** The signal came: start no more shards or attempts. */
    boolean stopping() {
        return stopping;
    }

    /**
     * The signal that is stopping this command ({@code SIGTERM}, {@code SIGINT}, or {@code a signal} when
     * its name is not known), once one came; null before.
     */
    String stoppedBy() {
        if (!stopping) {
            return null;
        }
        String name = received;
        return name != null ? name : "a signal";
    }

    /**
     * The exit code the JVM ends with once {@code signal} came: 128 + its number, 130 for SIGINT (Ctrl-C),
     * 143 for SIGTERM and a signal whose name is not known, whatever the shards did.
     */
    static int exitOf(String signal) {
        return "SIGINT".equals(signal) ? 130 : ExitCodes.TERMINATED;
    }

    /** The command has written its summary: the hook may return, and the JVM exit. */
    void done() {
        finished.countDown();
        Thread installed;
        synchronized (this) {
            installed = hook;
        }
        if (installed != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(installed);
                ShutdownLogManager.noLongerAfter(installed);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it returns now that the summary is written
            }
        }
    }
}
