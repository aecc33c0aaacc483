package io.palimpsest.worker.cli;

import io.palimpsest.worker.config.InvalidJobException;

/**
 * {@code run} found the output made otherwise than this job would make it (another recipe, another
 * model name, the input read another way): its shards cannot be added beside the committed ones.
 * The same for every shard and attempt (exit 78, reason {@code output_drift}). {@link #drift} says
 * how the job differs; the message adds what to do, which differs between a worker the operator
 * started and a run by hand.
 */
final class OutputDriftException extends InvalidJobException {

    /** What to do in a pod of the operator's: its flags are not the user's to pass. */
    static final String IN_POD = "write to a new output (a new RewriteJob with another spec.output.uri)";

    private final String drift;

    OutputDriftException(String drift, String advice) {
        super(drift + "; " + advice);
        this.drift = drift;
    }

    /** How the job differs from what the output was made with. */
    String drift() {
        return drift;
    }
}
