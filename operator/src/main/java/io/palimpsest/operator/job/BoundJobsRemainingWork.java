package io.palimpsest.operator.job;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.model.autoscale.Backlog;
import io.palimpsest.operator.model.autoscale.RemainingWorkSource;
import io.palimpsest.operator.model.autoscale.WorkerAssumptions;
import io.palimpsest.operator.status.ConditionAggregator;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collection;

/**
 * Default {@link RemainingWorkSource}: the RewriteJobs whose spec.modelRef names this model (the
 * reconciler's RewriteJob informer maps them to it), counting pending + running shards of
 * those not finished nor suspended. A job that has not planned yet counts as one shard of unknown
 * size, so the model starts loading while the planner lists the input; so does a suspended job
 * whose preview has yet to run. Any other suspended job is held: no work, yet still bound; so is a job
 * pending until another job's output or another's object under its name is gone. A job whose worker Job waits
 * for Kueue to admit it, at an explicit parallelism, is queued: no work until Kueue admits it (then its shards
 * count again and wake the model). In requests, a job
 * counts what its workers could keep in flight ({@link WorkerDemand}): its shards up to its
 * parallelism (the number, or the operator-wide cap under auto), each at its workers' concurrency
 * (the number, or the operator's assumption for auto). The same figure caps the job's share of the
 * model in {@link ParallelismPolicy}, so the fleet is sized for the workers the jobs will run.
 */
@ApplicationScoped
@DefaultBean
public class BoundJobsRemainingWork implements RemainingWorkSource {

    private final WorkerDemand demand;

    @Inject
    public BoundJobsRemainingWork(WorkerAssumptions auto) {
        this(auto.concurrencyPerWorker(), auto.maxParallelism());
    }

    public BoundJobsRemainingWork(int defaultConcurrencyPerWorker, int maxParallelism) {
        this.demand = new WorkerDemand(defaultConcurrencyPerWorker, maxParallelism);
    }

    @Override
    public Backlog remainingWork(RewriterModel model, Context<RewriterModel> context) {
        return count(context.getSecondaryResources(RewriteJob.class));
    }

    public Backlog count(Collection<RewriteJob> jobs) {
        Backlog total = Backlog.NONE;
        for (RewriteJob job : jobs) {
            total = total.plus(backlog(job));
        }
        return total;
    }

    Backlog backlog(RewriteJob job) {
        if (job.getStatus() != null
                && job.getStatus().getPhase() == JobPhase.Pending
                && waitsOnOthers(job.getStatus())) {
            return Backlog.held(1); // it plans (or previews) once another job or object is gone, which may take hours
        }
        if (PreviewJob.awaited(job)) {
            return Backlog.ofShards(1); // the preview needs the model while the job stays suspended
        }
        RewriteJobStatus status = job.getStatus();
        JobPhase phase = status == null ? null : status.getPhase();
        if (phase != null && phase.isTerminal()) {
            return Backlog.NONE;
        }
        if (job.getSpec() != null && Boolean.TRUE.equals(job.getSpec().getSuspend()) || phase == JobPhase.Suspended) {
            return Backlog.held(1);
        }
        if (phase == JobPhase.Running && waitsForKueue(job)) {
            return Backlog.queued(1);
        }
        Long left = WorkerDemand.shardsLeft(status);
        if (left == null) {
            return Backlog.ofShards(1);
        }
        RewriteJobSpec.Workers workers =
                job.getSpec() == null ? null : job.getSpec().getWorkers();
        return new Backlog(
                left, demand.requests(workers, left), Math.min(left, WorkerDemand.notStarted(status.getShards())));
    }

    /**
     * Running, but its worker Job waits for Kueue to admit it ({@code Queued}: made suspended, or evicted and
     * requeued), at an explicit {@code workers.parallelism}: no worker of it can run until Kueue resumes the Job,
     * which may take hours while the queue's quota is taken, and the count Kueue admits it at does not depend on
     * the model. A job on {@code auto} parallelism still counts as work: its worker Job takes its count from the
     * model's ready replicas, 0 when made while the model had none, and Kueue admits it at its count, so the model
     * must be up for the Job to get one.
     */
    private static boolean waitsForKueue(RewriteJob job) {
        var ready = job.getStatus() == null
                ? null
                : ConditionAggregator.find(job.getStatus().getConditions(), Conditions.READY);
        RewriteJobSpec.Workers workers =
                job.getSpec() == null ? null : job.getSpec().getWorkers();
        return ready != null
                && JobReason.Queued.name().equals(ready.getReason())
                && workers != null
                && workers.getParallelism() != null
                && workers.getParallelism().getIntVal() != null
                && workers.getParallelism().getIntVal() > 0;
    }

    /**
     * Pending for another job's output ({@code OutputInUse}), for another job to finish its input
     * ({@code InputInProgress}, {@code InputIncomplete}) or an object that is not its own under
     * its name ({@code NameTaken}): the model has nothing to do for it until then.
     */
    private static boolean waitsOnOthers(RewriteJobStatus status) {
        var ready = ConditionAggregator.find(status.getConditions(), Conditions.READY);
        return ready != null
                && (JobReason.OutputInUse.name().equals(ready.getReason())
                        || JobReason.InputInProgress.name().equals(ready.getReason())
                        || JobReason.InputIncomplete.name().equals(ready.getReason())
                        || JobReason.NameTaken.name().equals(ready.getReason()));
    }
}
