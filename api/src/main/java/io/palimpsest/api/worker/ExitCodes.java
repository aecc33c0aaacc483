package io.palimpsest.api.worker;

/**
 * The worker's exit-code contract, in one place: {@code palimpsest run} and {@code local} exit with
 * these, and the operator's podFailurePolicy and status fold read them.
 */
public final class ExitCodes {
    /** Committed, or committed before. */
    public static final int DONE = 0;
    /**
     * Anything unexpected, and an input the object store kept cutting past the worker's resumes; the
     * Job retries the shard.
     */
    public static final int FAILED = 1;
    /** The shard's data is bad; retrying will not help (podFailurePolicy: FailIndex). */
    public static final int BAD_DATA = 42;
    /**
     * The shard has used every attempt the job allows, as the operator counts them
     * ({@link AttemptLedger}); no attempt ran (podFailurePolicy: FailIndex). Needed because the Job
     * controller's own per-index count restarts after a suspend or a scale-in.
     */
    public static final int ATTEMPTS_EXHAUSTED = 43;
    /**
     * The model was unreachable, or a document's calls failed after every retry while attempts
     * remain; retry the shard later (EX_TEMPFAIL; counted against backoffLimitPerIndex).
     */
    public static final int MODEL_UNREACHABLE = 75;
    /**
     * The object store was unavailable past the outage limit: the same code as
     * {@link #MODEL_UNREACHABLE}, so that the operator reads it as an outage from the exit code alone
     * (the store that is down may not take the worker's outage marker).
     */
    public static final int STORE_UNREACHABLE = MODEL_UNREACHABLE;
    /**
     * The model refused the job's requests in a way that is the same for every document (wrong
     * credentials, unknown model name, a setting the server rejects), or the object store refused
     * the job's credentials (403 AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, InvalidToken,
     * an unusable credentials Secret), or a file system output's folder makes no hard links (a
     * receipt or checkpoint marker cannot be created once), or {@code run} found the output made with another recipe,
     * model or input reading: no shard can succeed, so the whole job fails at once (EX_CONFIG;
     * podFailurePolicy: FailJob).
     */
    public static final int MODEL_CONFIG = 78;
    /**
     * The job as written cannot run (invalid manifests, no matching input, an empty plan, recipe
     * drift, a recipe that does not compile): nothing was committed and a retry would fail the same
     * way. The same code as {@link #MODEL_CONFIG} (EX_CONFIG), named for where the planner and the
     * CLI use it: the planner's Job fails at once and the job ends PlanningFailed.
     */
    public static final int INVALID_JOB = MODEL_CONFIG;
    /** Stopped by SIGTERM (128 + 15) after committing what was answered; not the shard's fault. */
    public static final int TERMINATED = 143;

    private ExitCodes() {}
}
