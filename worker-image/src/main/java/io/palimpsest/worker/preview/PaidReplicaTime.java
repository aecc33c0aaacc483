package io.palimpsest.worker.preview;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.palimpsest.worker.preview.PreviewData.Paid;
import io.palimpsest.worker.preview.PreviewData.Range;

/**
 * What a campaign pays in replica time, not only what its work needs: every replica's model load,
 * the serving time at the batch the campaign can actually fill, and the wait after the last request
 * before the autoscaler lets the replicas go. A pure function of the RewriterModel's settings, the
 * plan and the sample's totals.
 * <p>
 * The autoscaler facts it follows (the operator's {@code ReplicaRecommender} and
 * {@code BoundJobsRemainingWork}): a campaign's replicas are sized at once from its backlog,
 * min(shards, parallelism) x requests per worker over (max_num_seqs + targetWaitingPerReplica),
 * within [max(1, replicas.min), replicas.max]; each new replica loads the model before it serves;
 * after the last shard the replicas stay {@code idleToZeroSeconds} (detected within one autoscaler
 * period), or, when the scale-down window is shorter, drop to one replica after that window first.
 * A replica's decoding advances every sequence of its batch one token per step, and a step takes
 * about as long with a part-full batch as with a full one (decoding is bound by reading the weights),
 * so a replica with f of max_num_seqs requests in flight generates f / max_num_seqs of its capacity.
 */
public final class PaidReplicaTime {
    /** What the operator assumes an 'auto' worker keeps in flight when it sizes the fleet (its defaultConcurrencyPerWorker). */
    static final int AUTO_CONCURRENCY_ASSUMED = 32;
    /** The operator's cap on worker pods under 'auto' parallelism (its maxParallelism). */
    static final int AUTO_PARALLELISM_CAP = 1000;
    /** In-flight requests per batch slot the operator sizes 'auto' parallelism for (its headroom). */
    static final double HEADROOM = 1.25;

    private PaidReplicaTime() {
    }

    /**
     * How the campaign will run.
     *
     * @param shards               shards of the plan
     * @param parallelism          workers.parallelism when a number, null for auto
     * @param concurrencyPerWorker workers.concurrencyPerWorker when a number, null for auto (the worker's window then grows with the model)
     * @param loadSeconds          a replica's model load (pod created to ready), null when neither known nor declared
     * @param loadSource           how the load time was found ("declared", "measured ..."), for the report
     */
    public record Campaign(int shards, int maxNumSeqs, int minReplicas, int maxReplicas, int targetWaitingPerReplica,
                           Integer parallelism, Integer concurrencyPerWorker, Double loadSeconds, String loadSource,
                           double scaleDownSeconds, double idleToZeroSeconds, double periodSeconds) {
    }

    /**
     * @param completionTokens the campaign's completion tokens (estimate and interval)
     * @param requests         the campaign's requests (point estimate)
     * @param capacity         one replica's completion tokens per second at a full batch
     */
    public static Paid estimate(Campaign c, Range completionTokens, double requests, double capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        int shards = Math.max(1, c.shards());
        int m = Math.max(1, c.maxNumSeqs());
        int floor = Math.max(1, c.minReplicas());
        long backlogWorkers = Math.min(shards, c.parallelism() != null ? c.parallelism() : AUTO_PARALLELISM_CAP);
        long backlog = backlogWorkers * (c.concurrencyPerWorker() != null ? c.concurrencyPerWorker() : AUTO_CONCURRENCY_ASSUMED);
        int replicas = (int) Math.max(floor, Math.min(c.maxReplicas(), ceilDiv(backlog, m + Math.max(0, c.targetWaitingPerReplica()))));
        replicas = Math.max(1, replicas);
        // workers: the number asked for, or what the operator sizes for the ready replicas under auto
        long workers = c.parallelism() != null ? Math.min(shards, c.parallelism())
                : Math.min(shards, Math.min(AUTO_PARALLELISM_CAP, (long) Math.ceil(replicas * m * HEADROOM
                / (c.concurrencyPerWorker() != null ? c.concurrencyPerWorker() : AUTO_CONCURRENCY_ASSUMED))));
        double requestsPerShard = requests / shards;
        double perWorker = c.concurrencyPerWorker() != null ? Math.min(c.concurrencyPerWorker(), requestsPerShard) : requestsPerShard;
        double inFlight = Math.max(1, workers * perWorker);
        double perReplica = Math.min(m, inFlight / replicas);
        double fill = Math.min(1, perReplica / m);

        Range work = completionTokens.scaled(1 / capacity / 3600);
        Range serving = work.scaled(1 / fill);
        double load = c.loadSeconds() == null ? 0 : c.loadSeconds();
        double loading = replicas * load / 3600;
        double idle = c.idleToZeroSeconds() + c.periodSeconds();
        double after;
        if (c.scaleDownSeconds() + c.periodSeconds() >= idle || replicas <= floor) {
            after = replicas * idle;
        } else {
            double window = c.scaleDownSeconds() + c.periodSeconds();
            after = replicas * window + floor * (idle - window);
        }
        after /= 3600;
        Range total = new Range(serving.estimate() + loading + after, serving.low() + loading + after, serving.high() + loading + after);
        Range wall = serving.scaled(1.0 / replicas);
        wall = new Range(wall.estimate() + load / 3600, wall.low() + load / 3600, wall.high() + load / 3600);

        List<String> notes = new ArrayList<>();
        notes.add(String.format(Locale.ROOT, "%d replica(s) for a backlog of %d requests (%d workers x %s in flight) over %d + %d per replica"
                        + " (replicas %d-%d); %.0f requests in flight per replica of max_num_seqs %d: batch %.0f%% full",
                replicas, backlog, backlogWorkers, c.concurrencyPerWorker() != null ? String.valueOf(c.concurrencyPerWorker())
                        : AUTO_CONCURRENCY_ASSUMED + " (auto)", m, c.targetWaitingPerReplica(), c.minReplicas(), c.maxReplicas(),
                perReplica, m, fill * 100));
        notes.add(c.loadSeconds() == null ? "model load: not known and not declared (--replica-load-seconds): not counted"
                : String.format(Locale.ROOT, "model load: %.0f s per replica (%s)", load, c.loadSource()));
        notes.add(String.format(Locale.ROOT, "after the last request: idle-to-zero %.0f s + one autoscaler period %.0f s%s", c.idleToZeroSeconds(),
                c.periodSeconds(), c.scaleDownSeconds() + c.periodSeconds() < idle && replicas > floor
                        ? String.format(Locale.ROOT, ", down to %d replica(s) after the %.0f s scale-down window", floor, c.scaleDownSeconds()) : ""));
        if (c.minReplicas() > 0) {
            notes.add("replicas.min=" + c.minReplicas() + ": those replicas stay after the campaign; only the idle wait is counted");
        }
        notes.add("not counted: the planner's run before the workers start, worker pod starts, and the part-empty batches of the"
                + " last shards finishing at different times");
        return new Paid(replicas, workers, perReplica, fill, work, serving, loading, after, total, wall, c.loadSeconds(),
                c.loadSource(), notes);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
