package io.palimpsest.operator.job;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.ShardFailureReason;
import io.palimpsest.operator.job.observe.AttemptCharges;
import io.palimpsest.operator.job.observe.FinishedPod;
import io.palimpsest.operator.job.observe.UpstreamInput;
import io.palimpsest.operator.job.ranges.RangeSet;
import io.palimpsest.operator.job.status.ThroughputWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A RewriteJob's whole behaviour in one pure function: from what one reconcile observed
 * ({@link Facts}), the phase and reason ({@link JobPhaseMachine}) and the actions on the owned
 * objects that bring the cluster to it, in the order they are taken, and when to look again if
 * time alone changes anything. No client, no clock: the reconciler observes, this decides, the
 * reconciler acts and records. {@code JobDeciderTest} is its truth table.
 */
public final class JobDecider {

    /** Pods past the attempts cap that are not running yet are looked at again this soon. */
    static final Duration CAP_RECHECK = Duration.ofSeconds(1);

    /** A name held by an earlier job's object that the informers had not shown: looked at again this soon. */
    static final Duration PREVIOUS_JOB_RECHECK = Duration.ofSeconds(5);
    /** A name held by an object that is not the job's nor an earlier job's: looked at again this often. */
    static final Duration NAME_TAKEN_RECHECK = Duration.ofSeconds(30);
    /**
     * A job waiting for another one to finish with its output looks again this often: the other job's
     * end is an event of that job, not of this one.
     */
    static final Duration OUTPUT_IN_USE_RECHECK = Duration.ofSeconds(10);
    /**
     * A running job whose workers may run is looked at again this often although no event comes: its rates
     * and estimated completion follow time, not only the events that move its readings (workers that stall,
     * waiting out a store outage or a hung endpoint, send none). The throughput's sample period: a look
     * sooner would change nothing, and one with nothing new writes nothing.
     */
    public static final Duration RUNNING_RECHECK = ThroughputWindow.MIN_INTERVAL;
    /**
     * A job that has ended while something of it may still write to its output looks again this often: the end of
     * its pods is an event of the job, but an end decided by a refusal of the API server comes before its worker Job
     * is stopped, and a look changes nothing else.
     */
    public static final Duration WORKERS_STOPPING_RECHECK = Duration.ofSeconds(10);
    /**
     * A job that has not started and still sees the planner Job that failed before it went back to waiting looks
     * again this soon: the planner was deleted, and its deletion may not have reached the informer yet.
     */
    static final Duration FAILED_PLANNER_RECHECK = Duration.ofSeconds(2);

    private JobDecider() {}

    /** What one reconcile does to the owned objects; {@code act} maps each to one API call. */
    public sealed interface Action
            permits CreateConfigMap,
                    ReplaceConfigMap,
                    DeletePod,
                    CreatePlanner,
                    Replan,
                    RecordShardCount,
                    CreateWorker,
                    PatchWorker,
                    PatchMaxFailedIndexes,
                    RerunTally,
                    CreateTally,
                    CreatePreview,
                    Fail {}

    /**
     * An action that makes a new object from the job's spec as it is now. None is taken while the
     * spec breaks the admission policy: a spec edited after the job started (a new
     * {@code workers.image} or {@code imagePullSecrets}) is checked before anything is made from it.
     */
    public interface Creates {}

    /** The resolved job and attempt ledger the workers read, first written. */
    public record CreateConfigMap(ConfigMap desired) implements Action, Creates {}

    /** The resolved job or ledger changed: written before any resume or scale-out, so new pods read it. */
    public record ReplaceConfigMap(ConfigMap existing, ConfigMap desired) implements Action {}

    /** A running worker pod of a shard whose attempts are spent, created before the shard closed. */
    public record DeletePod(Pod pod) implements Action {}

    public record CreatePlanner() implements Action, Creates {}

    /** The planner Job finished, but its pod and the shard count are gone: delete it to plan again. */
    public record Replan() implements Action {}

    /** The count read from the planner's pod, kept on the planner Job where it outlives the pod. */
    public record RecordShardCount(long shards) implements Action {}

    /** @param suspended created suspended: the job is suspended, or Kueue admits it by unsuspending */
    public record CreateWorker(long shards, int parallelism, boolean suspended) implements Action, Creates {}

    /** @param suspend the new {@code spec.suspend}, or null to leave it */
    public record PatchWorker(int parallelism, Boolean suspend) implements Action {}

    /**
     * {@code retry.maxFailedShards} edited: the worker Job's {@code maxFailedIndexes} follows (a field the
     * API server lets change, unlike {@code backoffLimitPerIndex}); null removes the limit.
     */
    public record PatchMaxFailedIndexes(Integer maxFailedIndexes) implements Action {}

    /** The tally Job succeeded but its pod is gone with the result: delete it to run it again. */
    public record RerunTally() implements Action {}

    public record CreateTally() implements Action, Creates {}

    public record CreatePreview() implements Action, Creates {}

    /**
     * An object the job needs would be refused by the API server: nothing is sent and the job ends
     * with the reason (never a loop on a create that cannot succeed). The actions before it are taken.
     */
    public record Fail(JobReason reason, String message) implements Action {}

    /**
     * @param phase        the phase to record
     * @param reason       its reason
     * @param actions      in the order they are taken
     * @param requeueAfter when to reconcile again although no event comes, or null
     */
    public record Decision(JobPhase phase, JobReason reason, List<Action> actions, Duration requeueAfter) {
        public Decision {
            actions = List.copyOf(actions);
        }

        /** The phase and reason alone, as conditions and events are built from them. */
        public JobPhaseMachine.Decision state() {
            return new JobPhaseMachine.Decision(phase, reason);
        }

        /** The refusal among the actions, if any: the job's end and the message that goes with it. */
        public Fail failure() {
            return actions.stream()
                    .filter(Fail.class::isInstance)
                    .map(Fail.class::cast)
                    .findFirst()
                    .orElse(null);
        }
    }

    /**
     * What one reconcile observed, and the values derived from it (parallelism, the desired
     * ConfigMap, the tally's due time), as plain values.
     *
     * @param phase              the phase inputs {@link JobPhaseMachine} decides from
     * @param finishedWorkerPods the finished worker pods, numbered (a model refusal among them names the failure)
     * @param failedShards       the worker Job's failed indexes: the shards failed for good
     * @param outageShards       the failed shards an outage failed as {@code status.outageShards} recorded them
     *                           ({@code OutageShards.decode}): what decides once their pods are gone
     * @param plannerJob         the planner Job exists
     * @param shardCountUnrecorded the shard count was read from the planner's pod, not yet from its annotation
     * @param workerJob          the worker Job exists
     * @param workerParallelism  its {@code spec.parallelism}, or null
     * @param workerSuspended    its {@code spec.suspend}
     * @param maxFailed          its {@code maxFailedIndexes} and what {@code retry.maxFailedShards} asks for, or null
     *                           without a worker Job
     * @param queued             the job goes through Kueue: Kueue resumes its worker Job, not the operator (the
     *                           worker Job's queue label once it exists, {@code WorkerJob.queued}; {@code spec.queueName}
     *                           before)
     * @param parallelism        the worker Job's parallelism while running and while suspended (see {@link ParallelismPolicy})
     * @param workerJobRefusal   why the API server would refuse the worker Job (WorkerJobLimits), or null
     * @param configMap          the ConfigMap as it is, or null
     * @param desiredConfigMap   the ConfigMap as it should be (resolved job and ledger), or null where the job cannot start
     * @param configMapTooLarge  why {@code desiredConfigMap} cannot be written, or null
     * @param pastTheCap         worker pods of closed shards created before the shard closed (AttemptCharges)
     * @param tallyResultGone    the tally Job succeeded but its result cannot be read any more
     * @param tallyDue           when the tally may start (the worker Job's end plus a grace for late summaries)
     * @param previewWanted      a preview is asked for and has neither run nor failed, and the model answers
     * @param previousObjects    objects under the job's names that are not its own (an earlier job's of the same
     *                           name), described, or null when there are none
     * @param outputInUse        another unfinished RewriteJob that came first writes the same output
     *                           ({@code SharedOutput}), described, or null when there is none
     * @param notCreatedDue      when a Job of the job's that has made no pod yet would be overdue
     *                           ({@code PodsNotCreated}), or null: no event says so, the job looks again then
     * @param inputWait          another RewriteJob whose output the job reads has not Succeeded ({@code UpstreamInput}):
     *                           why the job waits, or null when it need not
     * @param inputRestart       why a job that failed planning for its input's state goes back to waiting
     *                           ({@code UpstreamInput#restartFor}), or null when it does not
     * @param resultAwaitedUntil a planner or tally Job succeeded and no pod of it has shown its end in the cache yet:
     *                           its result is waited for until then, neither planned nor tallied again
     *                           ({@code Observation#helperResultDue}); null when nothing is awaited
     * @param now                the reconcile's time
     */
    public record Facts(
            JobPhaseMachine.Inputs phase,
            List<FinishedPod> finishedWorkerPods,
            RangeSet failedShards,
            Map<ShardFailureReason, RangeSet> outageShards,
            boolean plannerJob,
            boolean shardCountUnrecorded,
            boolean workerJob,
            Integer workerParallelism,
            boolean workerSuspended,
            MaxFailed maxFailed,
            boolean queued,
            Parallelism parallelism,
            String workerJobRefusal,
            ConfigMap configMap,
            ConfigMap desiredConfigMap,
            String configMapTooLarge,
            List<Pod> pastTheCap,
            boolean tallyResultGone,
            Instant tallyDue,
            boolean previewWanted,
            String previousObjects,
            String outputInUse,
            Instant notCreatedDue,
            UpstreamInput.Wait inputWait,
            String inputRestart,
            Instant resultAwaitedUntil,
            Instant now) {
        public Facts {
            finishedWorkerPods = List.copyOf(finishedWorkerPods);
            pastTheCap = List.copyOf(pastTheCap);
            outageShards = Map.copyOf(outageShards);
        }
    }

    /**
     * The worker Job's {@code maxFailedIndexes} and the value the spec asks for now (the current one when the
     * spec's cannot be written: WorkerJobLimits' violations, said in the SpecApplied condition).
     */
    public record MaxFailed(Integer current, Integer desired) {}

    /** The worker Job's parallelism as {@link ParallelismPolicy} gives it for the job running and suspended. */
    public record Parallelism(int running, int suspended) {
        int of(boolean suspend) {
            return suspend ? suspended : running;
        }
    }

    public static Decision decide(Facts in) {
        Decision d = decideActions(in);
        if (in.phase().spec() != JobPhaseMachine.SpecState.VALID) {
            // The phase machine reports the violation (InvalidSpec); nothing is made from the spec meanwhile.
            d = new Decision(
                    d.phase(),
                    d.reason(),
                    d.actions().stream().filter(a -> !(a instanceof Creates)).toList(),
                    d.requeueAfter());
        }
        return untilDue(untilNotCreatedIsDue(d, in), in.resultAwaitedUntil(), in);
    }

    /**
     * A Job that has made no pod yet is looked at again when it would be overdue (PodsNotCreated): its
     * Events are not watched, so no event comes then. Not for a job that has ended.
     */
    private static Decision untilNotCreatedIsDue(Decision d, Facts in) {
        return untilDue(d, in.notCreatedDue(), in);
    }

    /** The job looks again at {@code when} at the latest (a second after it), unless it has ended; null: as decided. */
    private static Decision untilDue(Decision d, Instant when, Facts in) {
        if (when == null || d.phase().isTerminal()) {
            return d;
        }
        Duration due = Duration.between(in.now(), when).plusSeconds(1);
        Duration requeue = d.requeueAfter() == null || due.compareTo(d.requeueAfter()) < 0 ? due : d.requeueAfter();
        return new Decision(d.phase(), d.reason(), d.actions(), requeue);
    }

    private static Decision decideActions(Facts in) {
        JobPhaseMachine.Inputs inputs = in.phase();
        JobPhaseMachine.Decision state = JobPhaseMachine.settle(inputs);
        if (!JobPhaseMachine.finished(inputs.current(), inputs.currentReason())) {
            state = ModelRefusals.refine(state, in.finishedWorkerPods());
            state = Outages.refine(
                    state, inputs.worker(), in.failedShards(), in.finishedWorkerPods(), in.outageShards());
        }
        List<Action> actions = new ArrayList<>();
        if (in.inputRestart() != null) {
            // Failed planning for its input's state, and a job writing that input came after
            // (UpstreamInput.restartFor):
            // back to Pending, without the failed planner Job (else it would fail again from it).
            actions.add(new Replan());
            return in.inputWait() != null
                    ? new Decision(JobPhase.Pending, in.inputWait().reason(), actions, null)
                    : new Decision(JobPhase.Pending, JobReason.Planning, actions, FAILED_PLANNER_RECHECK);
        }
        if (in.tallyResultGone() && !resultAwaited(in)) {
            actions.add(new RerunTally());
        }
        if ((inputs.current() == null || inputs.current() == JobPhase.Pending)
                && inputs.planner() == JobPhaseMachine.PlannerState.FAILED
                && in.plannerJob()
                && state.phase() == JobPhase.Failed
                && state.reason() == JobReason.PlanningFailed) {
            // A job that has not planned with a failed planner Job: the one from before it went back to waiting, its
            // deletion not seen yet. Deleted (again); the job plans once it is gone.
            actions.add(new Replan());
            return in.inputWait() != null
                    ? new Decision(JobPhase.Pending, in.inputWait().reason(), actions, null)
                    : new Decision(JobPhase.Pending, JobReason.Planning, actions, FAILED_PLANNER_RECHECK);
        }
        JobPhase phase = state.phase();
        if (phase == JobPhase.Planning && in.previousObjects() != null && !started(inputs.current())) {
            // Made now, its objects would meet the earlier job's under the same names: it waits for the
            // garbage collector, whose deletions are events of the job's informers.
            return new Decision(JobPhase.Pending, JobReason.WaitingForPreviousJob, actions, null);
        }
        if (phase == JobPhase.Planning && in.outputInUse() != null && !started(inputs.current())) {
            // Planned now, its plan would replace the other job's under the same output (SharedOutput).
            return new Decision(JobPhase.Pending, JobReason.OutputInUse, actions, OUTPUT_IN_USE_RECHECK);
        }
        if (phase == JobPhase.Planning && in.inputWait() != null && !started(inputs.current())) {
            // Planned now, it would read only the shards the other job has committed so far (UpstreamInput). That
            // job's changes are events of this one (the reconciler maps them), so no look again is needed.
            return new Decision(JobPhase.Pending, in.inputWait().reason(), actions, null);
        }
        if (phase.isTerminal()) {
            stopWorkers(in, actions);
        }
        if (phase != JobPhase.Planning && phase != JobPhase.Running && phase != JobPhase.Suspended) {
            return new Decision(phase, state.reason(), actions, null);
        }

        // The ConfigMap first: the pods a resume or scale-out below starts read the current ledger.
        if (in.configMapTooLarge() != null) {
            return fail(in, actions, JobReason.ResolvedJobTooLarge, in.configMapTooLarge());
        }
        if (in.configMap() == null) {
            actions.add(new CreateConfigMap(in.desiredConfigMap()));
        } else if (!Objects.equals(
                in.configMap().getData(), in.desiredConfigMap().getData())) {
            actions.add(new ReplaceConfigMap(in.configMap(), in.desiredConfigMap()));
        }
        in.pastTheCap().stream()
                .filter(AttemptCharges::running)
                .map(DeletePod::new)
                .forEach(actions::add);
        Duration recheck = in.pastTheCap().stream().anyMatch(p -> !AttemptCharges.running(p)) ? CAP_RECHECK : null;

        if (phase == JobPhase.Planning) {
            if (!in.plannerJob()) {
                actions.add(new CreatePlanner());
            } else if (inputs.planner() == JobPhaseMachine.PlannerState.NOT_STARTED && !resultAwaited(in)) {
                actions.add(new Replan()); // succeeded, and its pod ended without a readable count or is gone
            }
            return new Decision(phase, state.reason(), actions, recheck);
        }

        long shards = inputs.shards();
        if (in.plannerJob() && in.shardCountUnrecorded()) {
            actions.add(new RecordShardCount(shards));
        }
        boolean suspend = phase == JobPhase.Suspended;
        int parallelism = in.parallelism().of(suspend);
        boolean workerFinished = inputs.worker().isFinished();
        // The worker and preview pods carry the model's endpoint and API key Secret: made only from a model the job
        // may use (made while it is gone, they would miss the key it comes back with).
        boolean modelUsable = inputs.model() == JobPhaseMachine.ModelState.USABLE;
        if (!in.workerJob() && !workerFinished) {
            if (in.workerJobRefusal() != null) {
                return fail(in, actions, JobReason.InvalidWorkerJob, in.workerJobRefusal());
            }
            if (modelUsable) {
                actions.add(new CreateWorker(shards, parallelism, suspend || in.queued()));
            }
        } else if (in.workerJob() && !workerFinished) {
            boolean kueueOwnsResume = in.queued() && !suspend;
            Boolean suspendPatch = kueueOwnsResume || in.workerSuspended() == suspend ? null : suspend;
            // Kueue admitted the running Job at its parallelism and evicts and requeues a Job whose count
            // changes, so an admitted Job keeps it; 0 (the job suspended, or its model gone) still applies:
            // the requeue frees the quota. A suspended Job is not admitted: its count is the next admission's. A Job
            // admitted at 0 (an auto count made while the model had no ready replica) has no count to keep: held there,
            // no worker would ever run while the model its shards woke waits for them.
            boolean admitted = in.queued()
                    && !in.workerSuspended()
                    && in.workerParallelism() != null
                    && in.workerParallelism() > 0;
            int target = admitted && parallelism > 0 ? in.workerParallelism() : parallelism;
            if (suspendPatch != null || !Objects.equals(in.workerParallelism(), target)) {
                actions.add(new PatchWorker(target, suspendPatch));
            }
            if (in.maxFailed() != null
                    && !Objects.equals(in.maxFailed().current(), in.maxFailed().desired())) {
                actions.add(new PatchMaxFailedIndexes(in.maxFailed().desired()));
            }
        }
        if (inputs.tally() == JobPhaseMachine.TallyState.PENDING) {
            if (!in.now().isBefore(in.tallyDue())) {
                actions.add(new CreateTally());
            } else if (recheck == null) {
                recheck = Duration.between(in.now(), in.tallyDue()).plusSeconds(1);
            }
        }
        if (suspend && in.previewWanted() && modelUsable) {
            actions.add(new CreatePreview());
        }
        if (phase == JobPhase.Running && in.workerJob() && !workerFinished && parallelism > 0) {
            recheck = recheck == null || recheck.compareTo(RUNNING_RECHECK) > 0 ? RUNNING_RECHECK : recheck;
        }
        // Kueue's worker Job made suspended, or not admitted again since Kueue evicted it: no worker runs until it is.
        boolean waitsForKueue = in.queued() && !workerFinished && (!in.workerJob() || in.workerSuspended());
        JobReason reason = phase == JobPhase.Running && state.reason() == JobReason.Running && waitsForKueue
                ? JobReason.Queued
                : state.reason();
        return new Decision(phase, reason, actions, recheck);
    }

    /**
     * A job that has ended runs no worker: one that goes on after the end may still commit a shard into an output the
     * next job already plans in ({@code OutputWriters}), and would spend the model's time on a campaign that is over.
     * Its worker Job is suspended at 0, as for spec.suspend (a Failed/InvalidSpec job put right resumes it); a Job the
     * Job controller has ended stops its pods itself.
     */
    private static void stopWorkers(Facts in, List<Action> actions) {
        if (in.workerJob()
                && !in.phase().worker().isFinished()
                && !(in.workerSuspended() && Integer.valueOf(0).equals(in.workerParallelism()))) {
            actions.add(new PatchWorker(0, in.workerSuspended() ? null : Boolean.TRUE));
        }
    }

    /** A helper Job's result is still awaited from the cache ({@link Facts#resultAwaitedUntil}). */
    private static boolean resultAwaited(Facts in) {
        return in.resultAwaitedUntil() != null && in.now().isBefore(in.resultAwaitedUntil());
    }

    /**
     * A create met an object under the job's name that is not the job's ({@code OwnedResources.NameInUse}):
     * the job stays where it was (Pending when it had not started) with the reason, and looks again: an
     * earlier job's objects soon go, anyone else's object is not among the job's informers, so no event says so.
     */
    public static Decision nameInUse(JobPhase recorded, JobReason reason) {
        return new Decision(
                started(recorded) ? recorded : JobPhase.Pending,
                reason,
                List.of(),
                reason == JobReason.WaitingForPreviousJob ? PREVIOUS_JOB_RECHECK : NAME_TAKEN_RECHECK);
    }

    /** {@link #nameInUse(JobPhase, JobReason)} for what this reconcile observed, looking again as the facts ask too. */
    public static Decision nameInUse(Facts in, JobReason reason) {
        return untilNotCreatedIsDue(nameInUse(in.phase().current(), reason), in);
    }

    /**
     * An API call refused for a grant missing from the operator's role: the job keeps the phase decided (its
     * recorded one, Pending before any, where the decision ended it) with the reason, and looks again after
     * {@code recheck} ({@code palimpsest.jobs.forbidden-recheck}: fixing a Role sends no event).
     */
    public static Decision forbidden(Facts in, JobPhase decided, Duration recheck) {
        JobPhase recorded = in.phase().current();
        JobPhase phase = decided.isTerminal() ? Objects.requireNonNullElse(recorded, JobPhase.Pending) : decided;
        return untilNotCreatedIsDue(new Decision(phase, JobReason.Forbidden, List.of(), recheck), in);
    }

    /** The job has made objects of its own: it planned, runs or is suspended. */
    private static boolean started(JobPhase recorded) {
        return recorded == JobPhase.Planning || recorded == JobPhase.Running || recorded == JobPhase.Suspended;
    }

    private static Decision fail(Facts in, List<Action> before, JobReason reason, String message) {
        List<Action> actions = new ArrayList<>(before);
        stopWorkers(in, actions);
        actions.add(new Fail(reason, message));
        return new Decision(JobPhase.Failed, reason, actions, null);
    }
}
