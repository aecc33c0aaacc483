package io.palimpsest.worker.preview;

import io.palimpsest.api.worker.FleetDefaults;
import io.palimpsest.worker.preview.PreviewData.Paid;
import io.palimpsest.worker.preview.PreviewData.Range;
import io.palimpsest.worker.text.Plural;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a campaign pays in replica time, not only what its work needs: every replica's model load,
 * the wait for the workers to start, the serving time at the batch the campaign can actually fill,
 * how long the run lasts beyond that decoding (the workers' own pace and later rounds of pods, the
 * longest request decoding alone), and the wait after the last request before the autoscaler lets
 * the replicas go. A pure function of the RewriterModel's settings, the operator's fleet settings,
 * the plan, the sample's totals and what was measured (load, a worker's start, its time per document).
 * <p>
 * The autoscaler facts it follows (the operator's {@code ReplicaRecommender} and
 * {@code BoundJobsRemainingWork}): a campaign's replicas are sized at once from its backlog,
 * min(shards, parallelism) x requests per worker over (max_num_seqs + targetWaitingPerReplica),
 * within [max(1, replicas.min), replicas.max], and grown to what the workers' first windows put in
 * flight (an 'auto' worker opens at max_num_seqs); each new replica loads the model before it serves;
 * after the last shard the replicas stay {@code idleToZeroSeconds} (detected within one autoscaler
 * period), or, when the scale-down window is shorter, drop to one replica after that window first.
 * A replica's decoding advances every sequence of its batch one token per step, and a step takes
 * about as long with a part-full batch as with a full one (decoding is bound by reading the weights),
 * so a replica with f of max_num_seqs requests in flight generates f / max_num_seqs of its capacity.
 */
public final class PaidReplicaTime {

    private PaidReplicaTime() {}

    /**
     * How the operator sizes an 'auto' fleet: its settings, passed by the operator to a cluster's
     * preview ({@code palimpsest.jobs.*}); a standalone preview assumes the operator's defaults.
     *
     * @param headroom        in-flight requests per batch slot 'auto' parallelism is sized for
     * @param autoConcurrency what the operator assumes an 'auto' worker keeps in flight
     * @param maxParallelism  the cap on worker pods under 'auto' parallelism
     */
    public record Fleet(double headroom, int autoConcurrency, int maxParallelism) {
        public static final Fleet DEFAULTS = new Fleet(
                FleetDefaults.HEADROOM, FleetDefaults.CONCURRENCY_PER_AUTO_WORKER, FleetDefaults.MAX_PARALLELISM);
    }

    /**
     * How the campaign will run.
     *
     * @param shards               shards of the plan
     * @param parallelism          workers.parallelism when a number, null for auto
     * @param concurrencyPerWorker workers.concurrencyPerWorker when a number, null for auto (the worker's window then grows with the model)
     * @param loadSeconds          a replica's model load (pod created to ready), null when neither known nor declared
     * @param loadSource           how the load time was found ("declared", "measured ..."), for the report
     * @param workerStartSeconds   a worker pod's start to its first request (null: not known, not counted)
     * @param workerStartSource    how it was found, for the report
     * @param fleet                how the operator sizes an 'auto' fleet
     * @param client               what bounds the run besides decoding (null: decoding alone)
     * @param shardsSource         where the shard count comes from, for the report (null: not said)
     */
    public record Campaign(
            int shards,
            int maxNumSeqs,
            int minReplicas,
            int maxReplicas,
            int targetWaitingPerReplica,
            Integer parallelism,
            Integer concurrencyPerWorker,
            Double loadSeconds,
            String loadSource,
            double scaleDownSeconds,
            double idleToZeroSeconds,
            double periodSeconds,
            Double workerStartSeconds,
            String workerStartSource,
            Fleet fleet,
            Client client,
            String shardsSource) {}

    /**
     * What bounds a campaign's run besides decoding, from the sample: a worker handles its documents
     * one after another on its own CPU, and the last request of the campaign decodes alone.
     *
     * @param documents            the campaign's documents
     * @param longestRequestTokens the most completion tokens one sampled request generated
     * @param secondsPerDocument   a worker's own wall time per document (rendering, checking, writing, the client), as
     *                             the preview's process measured it; null when not measured (not counted)
     * @param source               how it was measured, for the report
     * @param requestCapTokens     the most completion tokens any request may generate (the largest {@code max_tokens}
     *                             of the sampled requests), null when a request had none: the campaign's longest
     *                             request is at least the sample's and at most this
     * @param longestChainTokens   the most completion tokens of one sampled document's calls made one after another
     *                             (autoregressive chunks, a stage then its variants, a judge after its output): they
     *                             decode in sequence, so the campaign lasts at least that chain at one sequence's pace
     */
    public record Client(
            double documents,
            double longestRequestTokens,
            Double secondsPerDocument,
            String source,
            Double requestCapTokens,
            double longestChainTokens) {

        /** A sample whose documents make one call at a time: the longest chain is the longest request. */
        public Client(
                double documents,
                double longestRequestTokens,
                Double secondsPerDocument,
                String source,
                Double requestCapTokens) {
            this(documents, longestRequestTokens, secondsPerDocument, source, requestCapTokens, longestRequestTokens);
        }
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
        int perReplicaQueue = m + Math.max(0, c.targetWaitingPerReplica());
        Fleet fleet = c.fleet();
        int assumed = c.concurrencyPerWorker() != null ? c.concurrencyPerWorker() : fleet.autoConcurrency();
        long backlogWorkers = Math.min(shards, c.parallelism() != null ? c.parallelism() : fleet.maxParallelism());
        long backlog = backlogWorkers * assumed;
        int first = clamp(ceilDiv(backlog, perReplicaQueue), floor, c.maxReplicas());
        // workers: the number asked for, or what the operator sizes for the ready replicas under auto
        long workers = c.parallelism() != null
                ? Math.min(shards, c.parallelism())
                : Math.min(shards, Math.min(fleet.maxParallelism(), Math.max(1, (long)
                        Math.ceil(first * m * fleet.headroom() / Math.max(1, assumed)))));
        double requestsPerShard = requests / shards;
        // what each worker keeps in flight: its concurrencyPerWorker, or under auto a window that opens at
        // max_num_seqs (the client's first window); never more than its shard's requests
        double perWorker = Math.min(c.concurrencyPerWorker() != null ? c.concurrencyPerWorker() : m, requestsPerShard);
        double inFlight = Math.max(1, workers * perWorker);
        // the queue those requests make is what the autoscaler then sizes for, on top of the backlog
        int replicas =
                Math.max(first, clamp(ceilDiv((long) Math.ceil(inFlight), perReplicaQueue), floor, c.maxReplicas()));
        double perReplica = Math.min(m, inFlight / replicas);
        double fill = Math.min(1, perReplica / m);

        Range work = completionTokens.scaled(1 / capacity / 3600);
        Range serving = work.scaled(1 / fill);
        double load = c.loadSeconds() == null ? 0 : c.loadSeconds();
        // under auto parallelism the workers are created for ready replicas, so the replicas wait for them
        // to start; with a fixed number they start beside the model and only what outlasts the load is waited for
        double workerStart = c.workerStartSeconds() == null ? 0 : c.workerStartSeconds();
        double waited = c.parallelism() == null ? workerStart : Math.max(0, workerStart - load);

        // The run after the workers' first start lasts as long as its slowest bound, every replica paid all along:
        // decoding at the batch the fleet fills; each worker's own documents at its measured time per document, and
        // for the shards beyond the first round a new pod's start (one pod per shard); the longest request, decoding
        // alone at one token per step once everything else is done.
        Client client = c.client();
        // under auto parallelism the operator raises the workers with the ready replicas
        long running = c.parallelism() != null
                ? workers
                : Math.min(shards, Math.min(fleet.maxParallelism(), Math.max(1, (long)
                        Math.ceil(replicas * m * fleet.headroom() / Math.max(1, assumed)))));
        double rounds = Math.ceil((double) shards / Math.max(1, running));
        double restarts = (rounds - 1) * workerStart;
        double perDocument = client == null || client.secondsPerDocument() == null ? 0 : client.secondsPerDocument();
        double ownWork = client == null ? 0 : client.documents() / Math.max(1, running) * perDocument;
        double slot = ownWork + restarts;
        // the last document's chain of sequential calls decodes alone at one sequence's pace; its longest is at
        // least the longest request
        double chainTokens = client == null ? 0 : Math.max(client.longestRequestTokens(), client.longestChainTokens());
        boolean chained = client != null && chainTokens > client.longestRequestTokens();
        double tail = chainTokens / (capacity / m);
        // the sample's longest request is one the campaign has; the campaign's own longest may be any length up to
        // max_tokens, so the interval reaches that far (a sample says nothing of the rest of the distribution's tail)
        double tailHigh = client == null || client.requestCapTokens() == null
                ? tail
                : Math.max(tail, client.requestCapTokens() / (capacity / m));
        double decodeEstimate = serving.estimate() * 3600 / replicas;
        double run = Math.max(decodeEstimate, Math.max(slot, tail));
        double readyEstimate = replicas * Math.max(serving.estimate() * 3600 / replicas, Math.max(slot, tail)) / 3600;
        Range ready = serving.hasInterval()
                ? new Range(
                        readyEstimate,
                        replicas * Math.max(serving.low() * 3600 / replicas, Math.max(slot, tail)) / 3600,
                        replicas * Math.max(serving.high() * 3600 / replicas, Math.max(slot, tailHigh)) / 3600)
                : Range.withoutInterval(readyEstimate);
        // when decoding bounds the run the two are the same sum taken two ways: a rounding residue is no time
        double beyond = ready.estimate() - serving.estimate();
        if (Math.abs(beyond) <= 1e-9 * Math.abs(ready.estimate())) {
            beyond = 0;
        }

        double loading = replicas * load / 3600;
        double starting = replicas * waited / 3600;
        double idle = c.idleToZeroSeconds() + c.periodSeconds();
        double after;
        if (c.scaleDownSeconds() + c.periodSeconds() >= idle || replicas <= floor) {
            after = replicas * idle;
        } else {
            double window = c.scaleDownSeconds() + c.periodSeconds();
            after = replicas * window + floor * (idle - window);
        }
        after /= 3600;
        double fixed = loading + starting + after;
        Range total = plus(ready, fixed);
        double before = (load + waited) / 3600;
        Range wall = plus(ready.scaled(1.0 / replicas), before);

        List<String> notes = new ArrayList<>();
        if (c.shardsSource() != null) {
            notes.add(Plural.of(shards, "shard") + ", one worker pod each (" + c.shardsSource() + ")");
        }
        notes.add(String.format(
                Locale.ROOT,
                "%d replica(s) for a backlog of %d requests (%s x %s in flight) over %d + %d per replica"
                        + " (replicas %d-%d); %.0f requests in flight per replica of max_num_seqs %d: batch %.0f%% full",
                replicas,
                backlog,
                Plural.of(backlogWorkers, "worker"),
                c.concurrencyPerWorker() != null ? String.valueOf(c.concurrencyPerWorker()) : assumed + " (auto)",
                m,
                c.targetWaitingPerReplica(),
                c.minReplicas(),
                c.maxReplicas(),
                perReplica,
                m,
                fill * 100));
        notes.add(
                c.loadSeconds() == null
                        ? "model load: not known and not declared (--replica-load-seconds): not counted"
                        : String.format(Locale.ROOT, "model load: %.0f s per replica (%s)", load, c.loadSource()));
        notes.add(
                c.workerStartSeconds() == null
                        ? "worker start: not known and not declared (--worker-start-seconds): not counted"
                        : String.format(
                                Locale.ROOT,
                                "ready replicas waiting for the workers to start: %.1f s per replica (a worker's start %.1f s, %s%s)",
                                waited,
                                workerStart,
                                c.workerStartSource(),
                                c.parallelism() == null
                                        ? "; auto parallelism starts workers for ready replicas"
                                        : "; a fixed parallelism starts them with the model"));
        notes.add(String.format(
                Locale.ROOT,
                "after the last request: idle-to-zero %.0f s + one autoscaler period %.0f s%s",
                c.idleToZeroSeconds(),
                c.periodSeconds(),
                c.scaleDownSeconds() + c.periodSeconds() < idle && replicas > floor
                        ? String.format(
                                Locale.ROOT,
                                ", down to %d replica(s) after the %.0f s scale-down window",
                                floor,
                                c.scaleDownSeconds())
                        : ""));
        if (c.minReplicas() > 0) {
            notes.add("replicas.min=" + c.minReplicas()
                    + ": those replicas stay after the campaign; only the idle wait is counted");
        }
        notes.add(String.format(
                Locale.ROOT,
                "the run after the workers' start: %.1f s per replica, bound by %s (decoding at that batch %.1f s;"
                        + " a worker's own %s documents at %s%s: %.1f s; %s, %.0f tokens at %.1f tokens/s per sequence: %.1f s)",
                run,
                run == decodeEstimate
                        ? "decoding"
                        : run == tail
                                ? chained ? "the longest chain of one document's calls" : "the longest request"
                                : "the workers' own pace",
                decodeEstimate,
                client == null ? "-" : String.format(Locale.ROOT, "%.0f", client.documents() / Math.max(1, running)),
                client == null || client.secondsPerDocument() == null
                        ? "0 s (not measured)"
                        : seconds(perDocument) + " each (" + client.source() + ")",
                rounds > 1
                        ? String.format(
                                Locale.ROOT,
                                ", plus %.0f later round(s) of pods (%d shards over %d workers) starting %.1f s each",
                                rounds - 1,
                                shards,
                                running,
                                workerStart)
                        : "",
                slot,
                chained ? "the longest chain of one document's sequential calls" : "the longest request",
                chainTokens,
                capacity / m,
                tail));
        if (client != null) {
            notes.add(
                    client.requestCapTokens() == null
                            ? "the campaign's longest request: the sample's (a request without max_tokens has no ceiling to give the interval)"
                            : String.format(
                                    Locale.ROOT,
                                    "the campaign's longest request: at least the sample's %.0f tokens, at most max_tokens %.0f"
                                            + " (%.1f s decoding alone), the interval's upper end",
                                    client.longestRequestTokens(),
                                    client.requestCapTokens(),
                                    tailHigh));
        }
        notes.add("not counted: the planner's run before the workers start, and the control loop's reaction times (the"
                + " autoscaler's and the operator's periods before a replica or a worker is added)");
        return new Paid(
                replicas,
                running,
                perReplica,
                fill,
                work,
                serving,
                beyond,
                loading,
                starting,
                after,
                total,
                wall,
                c.loadSeconds(),
                c.loadSource(),
                notes);
    }

    private static Range plus(Range r, double add) {
        return r.hasInterval()
                ? new Range(r.estimate() + add, r.low() + add, r.high() + add)
                : Range.withoutInterval(r.estimate() + add);
    }

    /** Hours as the report prints them: 4 significant digits, and 0 as 0 (not 0.000, nor a rounding residue). */
    public static String hours(double hours) {
        return Math.abs(hours) < 1e-12 ? "0" : String.format(Locale.ROOT, "%.4g", hours);
    }

    private static String seconds(double seconds) {
        return seconds < 0.0005 ? "0 s" : String.format(Locale.ROOT, "%.3f s", seconds);
    }

    private static int clamp(long replicas, int floor, int max) {
        return (int) Math.max(Math.max(1, floor), Math.min(max, replicas));
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
