package io.palimpsest.operator.job;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;

/**
 * What a job's workers could keep in flight at once: {@code min(shards left, its parallelism cap) x
 * what one worker keeps in flight}, the cap being {@code workers.parallelism} when a number, else
 * the operator-wide cap, and the concurrency {@code workers.concurrencyPerWorker} when a number,
 * else the operator's assumption for 'auto'. The one figure for both sides of a shared model: the
 * model's autoscaler sizes the fleet for the sum of it over the bound jobs ({@link
 * BoundJobsRemainingWork}), and {@link ParallelismPolicy} caps a job's share of the model at it,
 * giving the rest of its weighted share to the jobs that can use it.
 *
 * @param defaultConcurrencyPerWorker what an 'auto' worker is assumed to keep in flight
 * @param maxParallelism              the operator-wide cap on pods per job
 */
public record WorkerDemand(int defaultConcurrencyPerWorker, int maxParallelism) {

    /**
     * Shards a job's workers still have to run (pending + running, and the committed ones whose index runs once
     * more: {@link #notStarted}); null before the job has counted any.
     */
    public static Long shardsLeft(RewriteJobStatus status) {
        RewriteJobStatus.ShardCounts shards = status == null ? null : status.getShards();
        if (shards == null || shards.getTotal() == 0) {
            return null;
        }
        return notStarted(shards) + Math.max(0, shards.getRunning());
    }

    /**
     * Shards whose index waits for a worker pod: the pending ones, and the committed ones a worker stopped on
     * SIGTERM after the commit (status {@code unconfirmed}, shown succeeded): the worker Job completes only once
     * each of those indexes ran again and found its receipt.
     */
    public static long notStarted(RewriteJobStatus.ShardCounts shards) {
        return Math.max(0, shards.getPending()) + Math.max(0, shards.getUnconfirmed());
    }

    /** Requests one of the job's workers keeps in flight. */
    public int perWorker(RewriteJobSpec.Workers workers) {
        return perWorker(workers == null ? null : intOf(workers.getConcurrencyPerWorker()));
    }

    /** @param concurrencyPerWorker workers.concurrencyPerWorker when a number, else null (auto) */
    public int perWorker(Integer concurrencyPerWorker) {
        return Math.max(1, concurrencyPerWorker != null ? concurrencyPerWorker : defaultConcurrencyPerWorker);
    }

    /** Workers the job's shards left keep busy: one per shard, up to its parallelism cap. */
    public long workers(RewriteJobSpec.Workers workers, long shardsLeft) {
        return workers(workers == null ? null : intOf(workers.getParallelism()), shardsLeft);
    }

    /** @param explicitParallelism workers.parallelism when a number, else null (auto) */
    public long workers(Integer explicitParallelism, long shardsLeft) {
        long cap = explicitParallelism != null ? explicitParallelism : maxParallelism;
        return Math.max(0, Math.min(shardsLeft, cap));
    }

    /** Requests the job's shards left could keep in flight if each ran on a worker. */
    public long requests(RewriteJobSpec.Workers workers, long shardsLeft) {
        return workers(workers, shardsLeft) * perWorker(workers);
    }

    /** The same from the spec's numbers: null for 'auto'. */
    public long requests(Integer explicitParallelism, Integer concurrencyPerWorker, long shardsLeft) {
        return workers(explicitParallelism, shardsLeft) * perWorker(concurrencyPerWorker);
    }

    private static Integer intOf(IntOrString setting) {
        return setting == null ? null : setting.getIntVal();
    }
}
