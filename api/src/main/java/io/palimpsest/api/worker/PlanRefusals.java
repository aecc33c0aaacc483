package io.palimpsest.api.worker;

/**
 * How the planner tells the operator that it refused the plan for the state of its input, not for the job as
 * written: the input does not exist, holds no files, none that the globs take, only empty ones, or another campaign
 * that is not whole, or a file of it changed while the planner read it. Such a refusal exits
 * {@link ExitCodes#INVALID_JOB} like every other, and its termination message begins with {@link #INPUT_NOT_READY}. A job whose input is the output of another
 * RewriteJob that had not finished (or did not exist yet) when it planned is planned again once that one has
 * Succeeded; a job refused for anything else (a recipe that does not compile, recipe drift) stays Failed.
 */
public final class PlanRefusals {
    /** The start of the planner's termination message when the plan was refused for the state of its input. */
    public static final String INPUT_NOT_READY = "InputNotReady: ";

    private PlanRefusals() {}

    /** Whether a planner that exited with {@code exitCode} and wrote {@code message} refused its input's state. */
    public static boolean aboutInput(Integer exitCode, String message) {
        return exitCode != null
                && exitCode == ExitCodes.INVALID_JOB
                && message != null
                && message.startsWith(INPUT_NOT_READY);
    }
}
