package io.palimpsest.operator.cluster;

import java.util.concurrent.CompletableFuture;

/**
 * What a container image does in the simulated cluster. The kubelet picks one from the
 * {@link ProgramCatalog} by image or command, hands it a {@link ContainerLaunch} and watches the
 * {@link Running} handle.
 */
@FunctionalInterface
public interface ContainerProgram {

    Running start(ContainerLaunch launch) throws Exception;

    /** A started container. */
    interface Running {
        /** Completes with the exit code when the container ends, whatever ended it. */
        CompletableFuture<Integer> exit();

        /** SIGKILL: the container ends at once with 137 and gets no chance to clean up. */
        void kill();

        /** SIGTERM: the program may finish cleanly; the kubelet kills it after the grace period. */
        void terminate();

        static Running of(CompletableFuture<Integer> exit, Runnable kill, Runnable terminate) {
            return new Running() {
                @Override
                public CompletableFuture<Integer> exit() {
                    return exit;
                }

                @Override
                public void kill() {
                    kill.run();
                }

                @Override
                public void terminate() {
                    terminate.run();
                }
            };
        }
    }

    /** Exit code of a container killed by SIGKILL (128 + 9). */
    int SIGKILL_EXIT = 137;
    /** Exit code of a container that ended on SIGTERM without handling it (128 + 15). */
    int SIGTERM_EXIT = 143;
}
