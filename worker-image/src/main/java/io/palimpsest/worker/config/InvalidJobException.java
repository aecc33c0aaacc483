package io.palimpsest.worker.config;

/**
 * The job as written cannot run, and running it again will not change that: manifests that fail
 * the CRD's checks, input that matches nothing, a plan with no shards, a recipe that differs from
 * the one the output was made with, a template that does not compile. The process exits with
 * {@link io.palimpsest.api.worker.ExitCodes#INVALID_JOB} before any model call or commit; on a
 * cluster the planner's Job then fails at once and the RewriteJob ends PlanningFailed with this message.
 */
public class InvalidJobException extends IllegalArgumentException {
    public InvalidJobException(String message) {
        super(message);
    }
}
