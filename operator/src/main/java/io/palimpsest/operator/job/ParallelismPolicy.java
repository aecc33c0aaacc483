package io.palimpsest.operator.job;

import java.util.List;

/**
 * How many worker pods a job runs at once. Auto parallelism follows the model's capacity: enough
 * requests in flight to fill every ready replica's batch plus a bounded queue
 * ({@code readyReplicas x maxNumSeqs x headroom}), divided by what one worker keeps in flight,
 * and split between the jobs sharing the model by {@code workers.weight}, max-min fair: no job's
 * share is above what its workers could keep in flight ({@link WorkerDemand}: its shards left, at
 * most its parallelism cap, times its workers' concurrency, the figure the model's autoscaler sizes
 * the fleet for), and what a job cannot use goes to the others by weight (water-filling). A job
 * with a few shards left thus runs one worker per shard and the others take the rest of the model;
 * while every job has more work than its share, the split is by weight alone. A job's demand only
 * falls as its shards finish, so the others' shares only grow towards the end of a job: nothing
 * oscillates.
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
 * left). The same holds for a job whose peers all have what they can use: taking its workers
 * would give nobody anything. Only a job whose peers want more than they have gives workers back
 * to its share, which is what the weights promise.
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
     * @param peers                 the other jobs that share the model (running, 'auto' parallelism, shards left)
     * @param readyReplicas         the model's ready replicas
     * @param maxNumSeqs            the model's batch size (engine.maxNumSeqs)
     * @param remainingShards       shards the worker Job has yet to complete or fail (a committed one whose index runs
     *                              once more to find its receipt among them)
     * @param currentParallelism    the worker Job's parallelism now (0 before it exists)
     */
    public record Demand(
            Integer explicitParallelism,
            Integer concurrencyPerWorker,
            int weight,
            List<Peer> peers,
            int readyReplicas,
            int maxNumSeqs,
            boolean suspended,
            long remainingShards,
            int currentParallelism) {

        public Demand {
            peers = List.copyOf(peers);
        }

        /** The weights of the jobs sharing the model, this one included. */
        public int totalWeight() {
            return Math.max(1, weight)
                    + peers.stream().mapToInt(p -> Math.max(1, p.weight())).sum();
        }
    }

    /**
     * Another job sharing the model.
     *
     * @param weight   its workers.weight
     * @param requests what its workers could keep in flight ({@link WorkerDemand#requests}), {@link
     *                 #UNKNOWN} while its shards are not counted: it is then taken to want its whole share
     */
    public record Peer(int weight, long requests) {
        public static final long UNKNOWN = Long.MAX_VALUE;
    }

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
            WorkerDemand demand = new WorkerDemand(settings.defaultConcurrencyPerWorker(), settings.maxParallelism());
            int perWorker = demand.perWorker(d.concurrencyPerWorker());
            Share share = share(
                    capacity,
                    d.weight(),
                    demand.requests(null, d.concurrencyPerWorker(), d.remainingShards()),
                    d.peers());
            // (a share that is a whole number of workers stays one, whatever the floating-point division left over)
            wanted = Math.max(1, (long) Math.ceil(share.requests() / perWorker - 1e-9));
            wanted = Math.min(wanted, settings.maxParallelism());
            if (share.othersSatisfied()) {
                wanted = Math.max(wanted, d.currentParallelism());
            }
        }
        return (int) Math.min(wanted, d.remainingShards());
    }

    /**
     * @param requests        the job's share of the model, in requests in flight
     * @param othersSatisfied every peer's share is all it can use (or there is none): more for this
     *                        job takes nothing from anyone
     */
    record Share(double requests, boolean othersSatisfied) {}

    /**
     * Max-min fair (weighted water-filling) share of {@code capacity} for a job wanting {@code own}
     * requests among {@code peers}: each round, every job not yet capped gets the capacity left by
     * weight; those that want no more than that are capped at what they want and leave the rest to
     * the others, until none is.
     */
    static Share share(double capacity, int weight, long own, List<Peer> peers) {
        int n = peers.size() + 1;
        double[] wants = new double[n];
        int[] weights = new int[n];
        wants[0] = own;
        weights[0] = Math.max(1, weight);
        for (int i = 1; i < n; i++) {
            Peer peer = peers.get(i - 1);
            wants[i] = peer.requests() == Peer.UNKNOWN ? Double.POSITIVE_INFINITY : peer.requests();
            weights[i] = Math.max(1, peer.weight());
        }
        boolean[] capped = new boolean[n];
        double left = capacity;
        long uncappedWeight = 0;
        for (int w : weights) {
            uncappedWeight += w;
        }
        boolean changed = true;
        while (changed && uncappedWeight > 0) {
            changed = false;
            double perWeight = left / uncappedWeight;
            for (int i = 0; i < n; i++) {
                if (!capped[i] && wants[i] <= perWeight * weights[i]) {
                    capped[i] = true;
                    left -= wants[i];
                    uncappedWeight -= weights[i];
                    changed = true;
                }
            }
        }
        boolean othersSatisfied = true;
        for (int i = 1; i < n; i++) {
            othersSatisfied &= capped[i];
        }
        double mine = capped[0] ? wants[0] : Math.max(0, left) * weights[0] / uncappedWeight;
        return new Share(mine, othersSatisfied);
    }
}
