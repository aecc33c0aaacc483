package io.palimpsest.worker.run;

/** Process exit codes the operator's podFailurePolicy understands. */
public final class ExitCode {
    /** Committed, or committed before. */
    public static final int DONE = 0;
    /** Anything unexpected; the Job retries the shard. */
    public static final int FAILED = 1;
    /** The shard's data is bad; retrying will not help (podFailurePolicy: FailIndex). */
    public static final int BAD_DATA = 42;
    /** The model was unreachable; retry later (EX_TEMPFAIL). */
    public static final int MODEL_UNREACHABLE = 75;
    /** Stopped by SIGTERM (128 + 15) after committing what was answered; not the shard's fault. */
    public static final int TERMINATED = 143;

    private ExitCode() {
    }
}
