package io.palimpsest.worker.run;

/**
 * The process got SIGTERM (pod deleted, node drained): the run stops taking documents and ends; its
 * summary says {@link io.palimpsest.api.worker.ShardReason#TERMINATED}.
 */
public final class TerminationRequested extends RuntimeException {
    public TerminationRequested() {
        super("terminated", null, false, false);
    }
}
