package io.palimpsest.operator.job;

import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.operator.job.observe.WorkerJobView;

/**
 * Decides a RewriteJob's phase from what was observed:
 * {@code Pending -> Planning -> Running <-> Suspended -> Succeeded | Failed}.
 *
 * <p>{@link #step} is one transition (the unit the truth-table test covers); {@link #settle}
 * repeats it until the phase holds, so one reconcile after an operator restart lands where the
 * cluster already is instead of walking the phases one write at a time. {@link JobDecider} adds
 * the actions that bring the owned objects to the phase.
 */
public final class JobPhaseMachine {

    public enum PlannerState {
        NOT_STARTED,
        RUNNING,
        SUCCEEDED,
        FAILED
    }

    /** Whether the job may run workers against the RewriterModel it names ({@link ModelGate}). */
    public enum ModelState {
        /** It exists and may be used, or the job names none (its recipe calls no model). */
        USABLE,
        NOT_FOUND,
        /** Refused by the admission policy, or its status is Failed. */
        FAILED
    }

    /** Whether the spec may be acted on. */
    public enum SpecState {
        VALID,
        /** A started job's spec names what the admission policy now refuses: held where it is, nothing new made. */
        HELD,
        /** A rule broken: before the start any rule, after it one that holds from the start. The job fails. */
        INVALID
    }

    /** Whether the folded totals still wait for a tally over the receipts. */
    public enum TallyState {
        NOT_NEEDED,
        PENDING,
        RUNNING,
        FAILED
    }

    /**
     * @param current          the recorded phase (null for a new job)
     * @param currentReason    the reason recorded with it
     * @param spec             whether the spec may be acted on: every rule before the start; once started,
     *                         the rules that hold from the start (INVALID when broken) and the admission
     *                         policy's (HELD when broken)
     * @param model            whether the referenced RewriterModel may be used
     * @param planner          the planner Job (or SUCCEEDED once the shard count is recorded)
     * @param shards           the recorded shard count, or null before planning finished
     * @param worker           the worker Indexed Job
     * @param suspendRequested spec.suspend
     * @param tally            the tally of the receipts
     */
    public record Inputs(
            JobPhase current,
            JobReason currentReason,
            SpecState spec,
            ModelState model,
            PlannerState planner,
            Long shards,
            WorkerJobView.State worker,
            boolean suspendRequested,
            TallyState tally) {

        Inputs at(Decision d) {
            return new Inputs(d.phase(), d.reason(), spec, model, planner, shards, worker, suspendRequested, tally);
        }
    }

    public record Decision(JobPhase phase, JobReason reason) {}

    private JobPhaseMachine() {}

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

    /**
     * The one re-entry rule: a job that has not started yet, or that failed only because its spec
     * was invalid, is validated again; a Failed/InvalidSpec job whose new generation is valid starts
     * again from Pending (a job that had started goes on from where its objects are). Every other
     * terminal phase is final.
     */
    public static boolean awaitsValidSpec(JobPhase recorded, JobReason reason) {
        return recorded == null
                || recorded == JobPhase.Pending
                || (recorded == JobPhase.Failed && reason == JobReason.InvalidSpec);
    }

    /**
     * A reason that holds a job that has not finished where it is until the user fixes something
     * outside the operator's reach: the spec (the admission policy), the model it names, the job whose
     * output it reads.
     */
    public static boolean held(JobReason reason) {
        return reason == JobReason.InvalidSpec
                || reason == JobReason.ModelNotFound
                || reason == JobReason.ModelFailed
                || reason == JobReason.InputIncomplete;
    }

    /** A finished job's numbers are final: its phase can no longer change. */
    public static boolean finished(JobPhase recorded, JobReason reason) {
        return recorded != null && recorded.isTerminal() && !awaitsValidSpec(recorded, reason);
    }

    public static Decision step(Inputs in) {
        JobPhase phase = in.current() == null ? JobPhase.Pending : in.current();
        if (phase == JobPhase.Failed
                && awaitsValidSpec(in.current(), in.currentReason())
                && in.spec() == SpecState.VALID) {
            phase = JobPhase.Pending; // a new generation fixed the spec
        }
        if (phase.isTerminal()) {
            return new Decision(phase, in.currentReason());
        }
        if (in.spec() == SpecState.INVALID) {
            // before the start, any rule; after it, a rule that holds from the start (SpecValidator.keptSinceStart)
            return new Decision(JobPhase.Failed, JobReason.InvalidSpec);
        }
        Decision next =
                switch (phase) {
                    case Pending -> pending(in);
                    case Planning -> planning(in);
                    case Running, Suspended -> running(in);
                    default -> throw new IllegalStateException("unhandled phase " + phase);
                };
        // A started job whose spec was edited past the policy holds where it is: what it made is
        // kept (it was checked when it was made), nothing new is made until the spec is fixed.
        return in.spec() == SpecState.HELD && !next.phase().isTerminal()
                ? new Decision(next.phase(), JobReason.InvalidSpec)
                : next;
    }

    private static Decision pending(Inputs in) {
        return switch (in.model()) {
            case NOT_FOUND -> new Decision(JobPhase.Pending, JobReason.ModelNotFound);
            case FAILED -> new Decision(JobPhase.Pending, JobReason.ModelFailed);
            case USABLE -> new Decision(JobPhase.Planning, JobReason.Planning);
        };
    }

    private static Decision planning(Inputs in) {
        return switch (in.planner()) {
            case FAILED -> new Decision(JobPhase.Failed, JobReason.PlanningFailed);
            case SUCCEEDED -> {
                if (in.shards() != null && in.shards() == 0) {
                    // the planner refuses an empty plan; a count of 0 from elsewhere is no reason to call the job done
                    yield new Decision(JobPhase.Failed, JobReason.PlanningFailed);
                }
                yield in.suspendRequested()
                        ? new Decision(JobPhase.Suspended, JobReason.Suspended)
                        : new Decision(JobPhase.Running, JobReason.Running);
            }
            default -> new Decision(JobPhase.Planning, JobReason.Planning);
        };
    }

    private static Decision running(Inputs in) {
        switch (in.worker()) {
            case TOO_MANY_FAILED_SHARDS:
                return new Decision(JobPhase.Failed, JobReason.TooManyFailedShards);
            case FAILED:
                return new Decision(JobPhase.Failed, JobReason.WorkerJobFailed);
            case AWAITING_RECEIPTS:
                // which failed shards committed all the same is the tally's to say (CommittedFailedShards)
                return new Decision(JobPhase.Running, JobReason.Tallying);
            case COMPLETE:
            case FINISHED_WITH_FAILED_SHARDS:
                if (in.tally() == TallyState.PENDING || in.tally() == TallyState.RUNNING) {
                    return new Decision(JobPhase.Running, JobReason.Tallying);
                }
                return new Decision(
                        JobPhase.Succeeded,
                        in.worker() == WorkerJobView.State.COMPLETE
                                ? JobReason.AllShardsCommitted
                                : JobReason.ShardsFailed);
            default:
                if (in.suspendRequested()) {
                    return new Decision(JobPhase.Suspended, JobReason.Suspended);
                }
                return new Decision(
                        JobPhase.Running,
                        switch (in.model()) {
                            case NOT_FOUND -> JobReason.ModelNotFound;
                            case FAILED -> JobReason.ModelFailed;
                            case USABLE -> JobReason.Running;
                        });
        }
    }
}
