package io.palimpsest.operator.job;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.palimpsest.operator.PalimpsestConfig;
import io.palimpsest.operator.job.progress.LiveProgress;
import io.palimpsest.operator.job.progress.WorkerProgressScraper;
import io.palimpsest.operator.metrics.JobMetrics;
import io.palimpsest.operator.status.ConditionAggregator;
import java.time.Clock;
import java.util.List;

/** One reconcile of a RewriteJob by a new reconciler, from what the API server holds now ({@link SnapshotContext}). */
final class FreshReconcile {
    private FreshReconcile() {}

    static void of(KubernetesClient client, String namespace, String name, Clock clock, PalimpsestConfig config) {
        SnapshotContext context = new SnapshotContext(client, namespace, name);
        RewriteJobReconciler reconciler = reconciler(clock, config, (job, next, ctx) -> {
            job.setStatus(next);
            client.resource(job).updateStatus();
        });
        reconciler.podIndex(context.podIndex());
        reconciler.reconcile(context.primary(), context);
    }

    /** A new reconciler with nothing remembered, writing statuses with {@code statusWriter}. */
    static RewriteJobReconciler reconciler(
            Clock clock, PalimpsestConfig config, RewriteJobReconciler.StatusWriter statusWriter) {
        return reconciler(clock, new TestSettings(), config, statusWriter);
    }

    /** As {@link #reconciler(Clock, PalimpsestConfig, RewriteJobReconciler.StatusWriter)}, with {@code settings}. */
    static RewriteJobReconciler reconciler(
            Clock clock,
            JobSettings settings,
            PalimpsestConfig config,
            RewriteJobReconciler.StatusWriter statusWriter) {
        JobMetrics metrics = new JobMetrics(new SimpleMeterRegistry(), clock);
        LiveProgress live = new LiveProgress();
        return new RewriteJobReconciler(
                clock,
                new ConditionAggregator(clock),
                settings,
                config,
                live,
                new WorkerProgressScraper(live, config, metrics),
                metrics,
                model -> List.of(),
                statusWriter);
    }
}
