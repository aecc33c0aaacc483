package io.palimpsest.worker.run;

/** The process got SIGTERM (pod deleted, node drained): the run stops taking documents and ends. */
public final class TerminationRequested extends RuntimeException {
    /** The summary's reason code; the operator does not list such an attempt as a shard failure. */
    public static final String REASON = "terminated";

    public TerminationRequested() {
        super("terminated", null, false, false);
    }
}
