package io.palimpsest.worker.cli;

import io.palimpsest.worker.run.ShardRunner;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * SIGTERM for {@code run} and {@code local} alike. The signal (the kubelet's first word when a pod is
 * deleted; Ctrl-C or {@code kill} on a machine) runs the JVM's shutdown hooks: this one asks every
 * shard runner of the process to stop (take no more documents, let those in flight come back within
 * {@code stopWithin}, commit what was answered) and waits until the command has written its summary,
 * so the process exits (with 143) only after committing what was answered and reporting it. A runner
 * that starts after the signal stops at once; {@link #stopping()} tells a command to start no more.
 */
final class SigtermHook {
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
        hook = new Thread(
                () -> {
                    stopping = true;
                    running.forEach(runner -> runner.stop(within));
                    try {
                        finished.await(within.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "sigterm");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** A runner about to run its shard: stopped by the signal, at once if it came already. */
    void started(ShardRunner runner, Duration within) {
        install(within);
        running.add(runner);
        if (stopping) {
            runner.stop(stopWithin);
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
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it returns now that the summary is written
            }
        }
    }
}
