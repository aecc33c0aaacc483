package io.palimpsest.operator.model.autoscale;

/**
 * What a RewriteJob's workers do when its spec leaves them on auto, as the backlog counts them:
 * requests each worker keeps in flight, and the operator-wide cap on workers. Handed in from the
 * job settings by {@link io.palimpsest.operator.OperatorBeans}, so the model side does not reach
 * into the job package for them.
 */
public record WorkerAssumptions(int concurrencyPerWorker, int maxParallelism) {}
