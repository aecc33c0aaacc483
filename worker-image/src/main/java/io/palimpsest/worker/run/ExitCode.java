package io.palimpsest.worker.run;

/** Process exit codes the operator's podFailurePolicy understands. */
public final class ExitCode {
    /** Committed, or committed before. */
    public static final int DONE = 0;
    /** Anything unexpected; the Job retries the shard. */
    public static final int FAILED = 1;
    /** The shard's data is bad; retrying will not help (podFailurePolicy: FailIndex). */
    public static final int BAD_DATA = 42;
    /**
     * The job as written cannot run (invalid manifests, no input, an empty plan, recipe drift, a
     * recipe that does not compile): nothing was committed and a retry would fail the same way
     * (EX_CONFIG; podFailurePolicy: FailJob for the planner).
     */
    public static final int INVALID_JOB = 78;
    /** The model was unreachable; retry later (EX_TEMPFAIL). */
    public static final int MODEL_UNREACHABLE = 75;

    private ExitCode() {
    }
}
