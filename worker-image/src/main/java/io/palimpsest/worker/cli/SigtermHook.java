package io.palimpsest.worker.cli;

import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.worker.run.ShardRunner;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM for {@code run} and {@code local} alike. The signal (the kubelet's first word when a pod is
 * deleted; Ctrl-C or {@code kill} on a machine) runs the JVM's shutdown hooks: this one asks every
 * shard runner of the process to stop (take no more documents, let those in flight come back within
 * {@code stopWithin}, commit what was answered) and waits until the command has written its summary,
 * so the process exits (with 143) only after committing what was answered and reporting it. A runner
 * that starts after the signal stops at once; {@link #stopping()} tells a command to start no more.
 * A command that names the steps it takes before its shards ({@link #before}) has a signal in one of
 * them answered by the hook itself, at once (nothing waits to be committed): {@code local} and {@code
 * retry-rejects}, whose hook is in place from the process's start ({@link #launch}).
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

    /**
     * What a stop that came before any shard ran leaves, said by the hook itself: nothing of the command waits to
     * be committed then, and the command may be anywhere in a long step (a plan, a model's health check).
     */
    @FunctionalInterface
    interface StopBeforeShards {
        /**
         * @param doing  what the command was doing ("planning")
         * @param signal {@code SIGTERM}, {@code SIGINT} or {@code a signal}
         * @return the line to print
         */
        String account(String doing, String signal);
    }

    private final CountDownLatch finished = new CountDownLatch(1);
    private final Set<ShardRunner> running = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;
    /** The command's {@code --stop-within}; read when the signal comes (a hook installed at launch gets it later). */
    private volatile Duration stopWithin;

    private Thread hook;
    private StopBeforeShards beforeShards;
    /** What the command does before its shards run; null once they may (a stop is then theirs to answer). */
    private String doing;

    /** {@code --stop-within}'s default, until the command has read its own. */
    static final Duration DEFAULT_STOP_WITHIN = Duration.ofSeconds(20);

    /** The hook {@link #launch} installed for the command about to be built, until the command takes it. */
    private static final AtomicReference<SigtermHook> LAUNCHED = new AtomicReference<>();

    /**
     * The command {@link #launch} installed its hook for: picocli builds every command before it parses the command
     * line, and only that one takes it.
     */
    private static volatile String launchedFor;

    /** The hook {@link #launch} installed, taken or not (picocli builds the command before it parses its options). */
    private static final AtomicReference<SigtermHook> LAUNCH = new AtomicReference<>();

    /**
     * Installs, as the process starts, the hook of the command it will run, so that a stop while the CLI itself
     * is starting (loading its classes takes seconds on a busy machine) is answered too: the command takes it with
     * {@link #launchedOrNew} and installs it again with its own {@code --stop-within}.
     */
    static void launch(String command, String doing, StopBeforeShards account) {
        SigtermHook launched = new SigtermHook();
        launched.before(doing);
        launched.install(DEFAULT_STOP_WITHIN, account);
        launchedFor = command;
        LAUNCHED.set(launched);
        LAUNCH.set(launched);
    }

    /** The hook {@link #launch} installed for {@code command}, the first time; a new one otherwise. */
    static SigtermHook launchedOrNew(String command) {
        SigtermHook launched = command.equals(launchedFor) ? LAUNCHED.getAndSet(null) : null;
        return launched != null ? launched : new SigtermHook();
    }

    /**
     * The command returned: the launched hook has nothing more to answer, also where the command never ran (a
     * usage error, {@code --help}) and so never said it was done.
     */
    static void launchOver() {
        LAUNCHED.set(null);
        SigtermHook launched = LAUNCH.getAndSet(null);
        if (launched != null) {
            launched.done();
        }
    }

    /** Installs the hook (once); from now on a SIGTERM stops the runners and waits for {@link #done}. */
    synchronized void install(Duration within) {
        install(within, beforeShards);
    }

    /**
     * Installs the hook (once; again, it takes {@code within} and {@code account}) before the command's first
     * step: a stop before {@link #shardsStart} is answered at once with {@code account} of the step named by
     * {@link #before}, printed by the hook, and the JVM exits (130 or 143) without waiting for the step to end; a
     * stop after it stops the runners as {@link #install(Duration)} does.
     */
    synchronized void install(Duration within, StopBeforeShards account) {
        stopWithin = within;
        beforeShards = account;
        if (hook != null) {
            ShutdownLogManager.resetAfter(hook, within.plusSeconds(10).toMillis());
            return;
        }
        watchSignals();
        hook = new Thread(
                () -> {
                    String early = stop();
                    if (early != null) {
                        System.out.println();
                        System.out.println(early);
                        System.out.flush();
                        return;
                    }
                    Duration wait = stopWithin;
                    running.forEach(runner -> runner.stop(wait, received));
                    try {
                        finished.await(wait.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "sigterm");
        // the JDK's shutdown hook closes the log handlers: only after this one, so the shards' stopping lines show
        ShutdownLogManager.resetAfter(hook, within.plusSeconds(10).toMillis());
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // a signal came before any hook was in place: the JVM exits at once, as it would have anyway
            stopping = true;
        }
    }

    /** The signal came: from now on no shard starts; the account of a stop before the shards, or null. */
    private synchronized String stop() {
        stopping = true;
        return doing == null || beforeShards == null ? null : beforeShards.account(doing, stoppedBy());
    }

    /** The command is now {@code doing} this step before its shards (reading its manifests, planning, ...). */
    synchronized void before(String doing) {
        this.doing = doing;
    }

    /**
     * The shards are about to start: from now on a stop is theirs to answer (a summary once they stopped). False
     * when a stop came first: the hook has said so, and no shard is to start.
     */
    synchronized boolean shardsStart() {
        doing = null;
        return !stopping;
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
