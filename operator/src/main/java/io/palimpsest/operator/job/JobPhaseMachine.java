package io.palimpsest.operator.job;

import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;

/**
 * Decides a RewriteJob's phase from what was observed:
 * {@code Pending -> Planning -> Running <-> Suspended -> Succeeded | Failed}.
 *
 * <p>{@link #step} is one transition (the unit the truth-table test covers); {@link #settle}
 * repeats it until the phase holds, so one reconcile after an operator restart lands where the
 * cluster already is instead of walking the phases one write at a time.
 */
public final class JobPhaseMachine {

    public enum PlannerState { NOT_STARTED, RUNNING, SUCCEEDED, FAILED }

    /** Whether the folded totals still wait for a tally over the receipts. */
    public enum TallyState { NOT_NEEDED, PENDING, RUNNING, FAILED }

    /**
     * @param current          the recorded phase (null for a new job)
     * @param currentReason    the reason recorded with it
     * @param specValid        SpecValidator found no violation
     * @param modelFound       the referenced RewriterModel exists
     * @param planner          the planner Job (or SUCCEEDED once the shard count is recorded)
     * @param shards           the recorded shard count, or null before planning finished
     * @param worker           the worker Indexed Job
     * @param suspendRequested spec.suspend
     * @param tally            the tally of the receipts
     */
    public record Inputs(JobPhase current, String currentReason, boolean specValid, boolean modelFound,
                         PlannerState planner, Long shards, WorkerJobView.State worker,
                         boolean suspendRequested, TallyState tally) {

        Inputs at(Decision d) {
            return new Inputs(d.phase(), d.reason(), specValid, modelFound, planner, shards, worker, suspendRequested, tally);
        }
    }

    public record Decision(JobPhase phase, String reason) {
    }

    private JobPhaseMachine() {
    }

    public static Decision settle(Inputs in) {
        Decision d = step(in);
        for (int i = 0; i < 6; i++) {
            Decision again = step(in.at(d));
            if (again.equals(d)) {
                return d;
            }
            d = again;
        }
        return d;
    }

    public static Decision step(Inputs in) {
        JobPhase phase = in.current() == null ? JobPhase.Pending : in.current();
        if (phase == JobPhase.Failed && JobReasons.INVALID_SPEC.equals(in.currentReason()) && in.specValid()) {
            phase = JobPhase.Pending; // a new generation fixed the spec
        }
        if (phase.isTerminal()) {
            return new Decision(phase, in.currentReason());
        }
        return switch (phase) {
            case Pending -> pending(in);
            case Planning -> planning(in);
            case Running, Suspended -> running(in);
            default -> throw new IllegalStateException("unhandled phase " + phase);
        };
    }

    private static Decision pending(Inputs in) {
        if (!in.specValid()) {
            return new Decision(JobPhase.Failed, JobReasons.INVALID_SPEC);
        }
        if (!in.modelFound()) {
            return new Decision(JobPhase.Pending, JobReasons.MODEL_NOT_FOUND);
        }
        return new Decision(JobPhase.Planning, JobReasons.PLANNING);
    }

    private static Decision planning(Inputs in) {
        return switch (in.planner()) {
            case FAILED -> new Decision(JobPhase.Failed, JobReasons.PLANNING_FAILED);
            case SUCCEEDED -> {
                if (in.shards() != null && in.shards() == 0) {
                    // the planner refuses an empty plan; a count of 0 from elsewhere is no reason to call the job done
                    yield new Decision(JobPhase.Failed, JobReasons.PLANNING_FAILED);
                }
                yield in.suspendRequested()
                        ? new Decision(JobPhase.Suspended, JobReasons.SUSPENDED)
                        : new Decision(JobPhase.Running, JobReasons.RUNNING);
            }
            default -> new Decision(JobPhase.Planning, JobReasons.PLANNING);
        };
    }

    private static Decision running(Inputs in) {
        switch (in.worker()) {
            case TOO_MANY_FAILED_SHARDS:
                return new Decision(JobPhase.Failed, JobReasons.TOO_MANY_FAILED_SHARDS);
            case FAILED:
                return new Decision(JobPhase.Failed, JobReasons.WORKER_JOB_FAILED);
            case COMPLETE:
            case FINISHED_WITH_FAILED_SHARDS:
                if (in.tally() == TallyState.PENDING || in.tally() == TallyState.RUNNING) {
                    return new Decision(JobPhase.Running, JobReasons.TALLYING);
                }
                return new Decision(JobPhase.Succeeded, in.worker() == WorkerJobView.State.COMPLETE
                        ? JobReasons.ALL_SHARDS_COMMITTED : JobReasons.SHARDS_FAILED);
            default:
                if (in.suspendRequested()) {
                    return new Decision(JobPhase.Suspended, JobReasons.SUSPENDED);
                }
                return new Decision(JobPhase.Running, in.modelFound() ? JobReasons.RUNNING : JobReasons.MODEL_NOT_FOUND);
        }
    }

    /** Reasons a RewriteJob's phase carries; shared constants where the api defines them. */
    public static final class JobReasons {
        public static final String INVALID_SPEC = Conditions.REASON_INVALID_SPEC;
        public static final String MODEL_NOT_FOUND = Conditions.REASON_MODEL_NOT_FOUND;
        public static final String PLANNING = Conditions.REASON_PLANNING;
        public static final String PLANNING_FAILED = Conditions.REASON_PLANNING_FAILED;
        public static final String RUNNING = Conditions.REASON_RUNNING;
        public static final String SUSPENDED = Conditions.REASON_SUSPENDED;
        public static final String TALLYING = "Tallying";
        public static final String ALL_SHARDS_COMMITTED = Conditions.REASON_ALL_SHARDS_COMMITTED;
        /** Finished: every shard committed or failed for good, within retry.maxFailedShards. */
        public static final String SHARDS_FAILED = Conditions.REASON_SHARDS_FAILED;
        public static final String TOO_MANY_FAILED_SHARDS = Conditions.REASON_TOO_MANY_FAILED_SHARDS;
        public static final String WORKER_JOB_FAILED = "WorkerJobFailed";
        /**
         * The worker Job failed because the model refused every request the same way (credentials,
         * model name): the worker exited 78 and the FailJob rule stopped the other shards.
         */
        public static final String MODEL_CONFIG = "ModelConfig";
        public static final String TALLY_FAILED = "TallyFailed";
        /** An object the job needs was refused by the API server (422): sending it again cannot help. */
        public static final String REJECTED_BY_API_SERVER = "RejectedByApiServer";
        /** The worker Job would break the API server's limits on Indexed Jobs (WorkerJobLimits). */
        public static final String INVALID_WORKER_JOB = "InvalidWorkerJob";
        /** The resolved job does not fit in its ConfigMap (1 MiB): the recipe is too large to run. */
        public static final String RESOLVED_JOB_TOO_LARGE = "ResolvedJobTooLarge";

        private JobReasons() {
        }
    }
}
