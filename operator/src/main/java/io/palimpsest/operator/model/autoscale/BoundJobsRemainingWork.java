package io.palimpsest.operator.model.autoscale;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Collection;

/**
 * Default {@link RemainingWorkSource}: the RewriteJobs whose spec.modelRef names this model (the
 * reconciler's RewriteJob informer maps them to it), counting pending + running shards of
 * those not finished nor suspended. A job that has not planned yet counts as one unit of work,
 * so the model starts loading while the planner lists the input.
 */
@ApplicationScoped
@DefaultBean
public class BoundJobsRemainingWork implements RemainingWorkSource {

    @Override
    public long remainingWork(RewriterModel model, Context<RewriterModel> context) {
        return count(context.getSecondaryResources(RewriteJob.class));
    }

    public static long count(Collection<RewriteJob> jobs) {
        long total = 0;
        for (RewriteJob job : jobs) {
            total += remaining(job);
        }
        return total;
    }

    static long remaining(RewriteJob job) {
        if (job.getSpec() != null && Boolean.TRUE.equals(job.getSpec().getSuspend())) {
            return 0;
        }
        RewriteJobStatus status = job.getStatus();
        JobPhase phase = status == null ? null : status.getPhase();
        if (phase != null && (phase.isTerminal() || phase == JobPhase.Suspended)) {
            return 0;
        }
        RewriteJobStatus.ShardCounts shards = status == null ? null : status.getShards();
        if (shards == null || shards.getTotal() == 0) {
            return 1;
        }
        return Math.max(0, shards.getPending()) + Math.max(0, shards.getRunning());
    }
}
