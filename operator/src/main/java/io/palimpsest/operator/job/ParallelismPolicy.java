package io.palimpsest.operator.job;

/**
 * How many worker pods a job runs at once. Auto parallelism follows the model's capacity: enough
 * requests in flight to fill every ready replica's batch plus a bounded queue
 * ({@code readyReplicas x maxNumSeqs x headroom}), divided by what one worker keeps in flight,
 * and split between the jobs sharing the model by {@code workers.weight}.
 *
 * <p>When the model has no ready replica, no pods are added (they would only wait at the worker's
 * health gate, then burn retries on exit 75) but running ones are kept: a replica restart or a
 * short outage must not kill workers mid-shard, since each waits out an outage at its health gate
 * and resumes within one probe of recovery. A job that has no pods yet gets 0; the model's
 * autoscaler sees the remaining work and wakes the model, which brings the pods (in
 * {@code autoscaling.mode: keda} the operator pauses the ScaledObject at one replica for it, see
 * {@code KedaPause}: KEDA's own wake-up trigger counts worker pods, which do not exist yet).
 * <p>A job alone on its model never loses running workers to a drop in capacity either: lowering
 * a Job's parallelism makes Kubernetes delete running pods, which throws away their in-flight
 * requests and everything since their last checkpoint, while extra workers on a smaller fleet only
 * queue at the model. Their number falls as their shards finish (never more pods than shards
 * left). Only a job that shares the model gives workers back to its share, which is what the
 * weights promise.
 * An explicit number wins over capacity; suspension wins over everything; never more pods than
 * shards left.
 */
public final class ParallelismPolicy {

    /**
     * @param headroom                    in-flight requests per batch slot, e.g. 1.5 = a queue half the batch deep
     * @param defaultConcurrencyPerWorker what an 'auto' worker is assumed to keep in flight
     * @param maxParallelism              an operator-wide cap on pods per job
     */
    public record Settings(double headroom, int defaultConcurrencyPerWorker, int maxParallelism) {}

    /**
     * @param explicitParallelism   workers.parallelism when a number, else null (auto)
     * @param concurrencyPerWorker  workers.concurrencyPerWorker when a number, else null (auto)
     * @param weight                this job's workers.weight
     * @param totalWeight           sum of the weights of the model's running jobs, this one included
     * @param readyReplicas         the model's ready replicas
     * @param maxNumSeqs            the model's batch size (engine.maxNumSeqs)
     * @param remainingShards       shards neither committed nor failed for good
     * @param currentParallelism    the worker Job's parallelism now (0 before it exists)
     */
    public record Demand(
            Integer explicitParallelism,
            Integer concurrencyPerWorker,
            int weight,
            int totalWeight,
            int readyReplicas,
            int maxNumSeqs,
            boolean suspended,
            long remainingShards,
            int currentParallelism) {}

    private final Settings settings;

    public ParallelismPolicy(Settings settings) {
        this.settings = settings;
    }

    /**
     * Workers the model's largest fleet keeps busy at once: {@code replicas.max x maxNumSeqs} batch
     * slots over what one worker keeps in flight (no headroom: workers beyond the batch slots only
     * queue), at most an explicit parallelism, else the operator-wide cap. The planner cuts shards so
     * none is long for this many workers ({@code palimpsest plan --fleet-workers}). Null when the
     * fleet is not the operator's to size (a model behind an external endpoint, no model, or no
     * model found yet) and no explicit parallelism says it: shards stay whole files.
     *
     * @param maxReplicas the model's replicas.max, null for an external endpoint
     */
    public Integer fleetWorkers(
            Integer explicitParallelism, Integer concurrencyPerWorker, Integer maxReplicas, int maxNumSeqs) {
        Long served = null;
        if (maxReplicas != null && maxReplicas > 0 && maxNumSeqs > 0) {
            int perWorker =
                    concurrencyPerWorker != null ? concurrencyPerWorker : settings.defaultConcurrencyPerWorker();
            served = Math.max(1, ((long) maxReplicas * maxNumSeqs + perWorker - 1) / Math.max(1, perWorker));
        }
        if (explicitParallelism == null) {
            return served == null ? null : (int) Math.min(served, settings.maxParallelism());
        }
        return (int) Math.max(1, served == null ? explicitParallelism : Math.min(served, explicitParallelism));
    }

    /**
     * A job whose recipe calls no model (templates rendered from the records, filters) has no
     * capacity to follow: 'auto' runs one pod per shard left, up to the operator-wide cap; the
     * cluster's scheduler and quotas decide how many run at once.
     */
    public int parallelismWithoutModel(Integer explicitParallelism, boolean suspended, long remainingShards) {
        if (suspended || remainingShards <= 0) {
            return 0;
        }
        long wanted = explicitParallelism != null ? explicitParallelism : settings.maxParallelism();
        return (int) Math.min(wanted, remainingShards);
    }

    public int parallelism(Demand d) {
        if (d.suspended() || d.remainingShards() <= 0) {
            return 0;
        }
        long wanted;
        if (d.explicitParallelism() != null) {
            wanted = d.explicitParallelism();
        } else {
            if (d.readyReplicas() <= 0 || d.maxNumSeqs() <= 0) {
                return (int) Math.min(Math.max(0, d.currentParallelism()), d.remainingShards());
            }
            double capacity = (double) d.readyReplicas() * d.maxNumSeqs() * settings.headroom();
            double share = capacity * Math.max(1, d.weight()) / Math.max(Math.max(1, d.weight()), d.totalWeight());
            int perWorker = d.concurrencyPerWorker() != null
                    ? d.concurrencyPerWorker()
                    : settings.defaultConcurrencyPerWorker();
            wanted = Math.max(1, (long) Math.ceil(share / Math.max(1, perWorker)));
            wanted = Math.min(wanted, settings.maxParallelism());
            boolean alone = d.totalWeight() <= Math.max(1, d.weight());
            if (alone) {
                wanted = Math.max(wanted, d.currentParallelism());
            }
        }
        return (int) Math.min(wanted, d.remainingShards());
    }
}
