package io.palimpsest.operator.model.autoscale;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.palimpsest.api.v1alpha1.RewriterModel;

/**
 * How much work the RewriteJobs bound to a model still have ({@link Backlog}). The RewriteJob side
 * may provide a sharper implementation as a CDI bean; the default counts from the informer cache.
 */
public interface RemainingWorkSource {
    /** Called inside reconcile: must answer from caches, without API calls or I/O. */
    Backlog remainingWork(RewriterModel model, Context<RewriterModel> context);
}
