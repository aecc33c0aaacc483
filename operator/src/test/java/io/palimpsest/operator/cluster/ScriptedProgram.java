package io.palimpsest.operator.cluster;

import java.util.concurrent.CompletableFuture;

/**
 * A container whose behaviour a test writes as a function (exit code, termination message, how
 * long it takes), run on a thread of its own. SIGKILL ends the container at once (the thread is
 * interrupted and whatever it does afterwards is ignored); SIGTERM interrupts it and lets its
 * result stand if it returns in time.
 */
public final class ScriptedProgram implements ContainerProgram {

    @FunctionalInterface
    public interface Script {
        /** Returns the exit code; may write {@code launch.terminationMessageFile()}. */
        int run(ContainerLaunch launch) throws Exception;
    }

    private final Script script;

    public ScriptedProgram(Script script) {
        this.script = script;
    }

    /** Exits with {@code code} at once. */
    public static ScriptedProgram exits(int code) {
        return new ScriptedProgram(l -> code);
    }

    @Override
    public Running start(ContainerLaunch launch) {
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        exit.complete(script.run(launch));
                    } catch (InterruptedException e) {
                        exit.complete(SIGTERM_EXIT);
                    } catch (Exception e) {
                        exit.complete(1);
                    }
                },
                "sim-container-" + launch.pod());
        thread.setDaemon(true);
        thread.start();
        return Running.of(
                exit,
                () -> {
                    exit.complete(SIGKILL_EXIT);
                    thread.interrupt();
                },
                thread::interrupt);
    }
}
