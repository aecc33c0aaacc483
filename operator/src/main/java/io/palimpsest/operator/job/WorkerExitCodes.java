package io.palimpsest.operator.job;

/** The worker's exit-code contract (worker-image {@code palimpsest run}). */
public final class WorkerExitCodes {
    /** The shard's data cannot be processed: retrying will not help, fail the index at once. */
    public static final int BAD_DATA = 42;
    /**
     * The job as written cannot run (invalid manifests, no matching input, an empty plan, recipe
     * drift, a recipe that does not compile): the planner's Job fails at once, the job ends PlanningFailed.
     */
    public static final int INVALID_JOB = 78;
    /** The model server could not be reached: try again later. */
    public static final int MODEL_UNREACHABLE = 75;

    private WorkerExitCodes() {
    }
}
