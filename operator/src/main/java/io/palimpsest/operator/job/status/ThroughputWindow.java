package io.palimpsest.operator.job.status;

import io.palimpsest.api.v1alpha1.RewriteJobStatus.Throughput;
import io.palimpsest.operator.status.Rfc3339;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Recent throughput as an exponentially weighted rate over a window of a few minutes, with its
 * only state (the last sample) kept in the status, so a restarted operator continues the same
 * curve. Samples closer together than {@link #MIN_INTERVAL} are ignored: bursts of reconciles
 * do not move the rate and an unchanged input yields an unchanged status. A running job is
 * sampled every {@link #MIN_INTERVAL} whether or not it moves (JobDecider's recheck), so a stall
 * makes the rates fall and the estimate move later; once every rate is 0, a sample in which
 * nothing moved is not taken, and the stalled job's status stays as it is.
 *
 * <p>The token and document figures sampled never go down within a job: committed plus in progress
 * falls when a shard commits with a receipt that counts fewer tokens than its attempt was answered
 * with (an answer lost with a stopped request and asked again is answered twice, committed once),
 * or when an attempt is lost and the next one answers its documents again. A fall is carried: the
 * sample keeps the higher figure, and the answers that make up for the fall count as nothing, so
 * each token and document counts once, as the receipts count it. Measured on from the lower figure,
 * they counted twice and the rates read high.
 *
 * <p>Shard progress (finished shards plus how far running shards have read their input) falls the same
 * way when an attempt is lost (a worker killed mid-shard, a suspend stopping workers part-way): the
 * shard's reading goes, and the next attempt reads its input again, or takes its committed parts back
 * at once. The fall is carried in {@code lostShardProgress}: the reading that makes it up counts as
 * nothing, so the rate counts each shard's input once and over a job adds up to the shards finished;
 * measured on from the lower figure, a retried shard counted twice, the rate read high and the ETA
 * came early. The sample itself keeps how far the shards are, so the ETA counts the lost part as work
 * left.
 */
public final class ThroughputWindow {
    /** The sample period: samples closer together are ignored. */
    public static final Duration MIN_INTERVAL = Duration.ofSeconds(30);

    static final Duration WINDOW = Duration.ofMinutes(5);

    private ThroughputWindow() {}

    /**
     * @param finishedShards   committed + failed shards now
     * @param completionTokens folded completion tokens now
     */
    public static Throughput sample(Throughput previous, long finishedShards, long completionTokens, Instant now) {
        return sample(previous, finishedShards, null, completionTokens, null, now);
    }

    /**
     * @param shardProgress    finished shards plus the share of their input running shards have read, or null
     *                         when no running shard was read (rates then follow finished shards alone)
     * @param completionTokens completion tokens now, committed and in progress (a fall is carried)
     * @param documents        documents now, committed and in progress, or null when not tracked (a fall is
     *                         carried)
     */
    public static Throughput sample(
            Throughput previous,
            long finishedShards,
            Double shardProgress,
            long completionTokens,
            Long documents,
            Instant now) {
        Instant sampledAt = previous == null ? null : Rfc3339.parse(previous.getSampledAt());
        if (sampledAt == null) {
            return fresh(0, null, null, now, finishedShards, shardProgress, completionTokens, documents, 0);
        }
        long tokensKept = Math.max(completionTokens, nz(previous.getSampledCompletionTokens()));
        Long documentsKept = documents == null || previous.getSampledDocuments() == null
                ? documents
                : Long.valueOf(Math.max(documents, previous.getSampledDocuments()));
        double seconds = Duration.between(sampledAt, now).toMillis() / 1000.0;
        if (seconds < MIN_INTERVAL.toSeconds()
                || settled(previous, finishedShards, shardProgress, tokensKept, documentsKept)) {
            return previous;
        }
        // the most progress sampled so far: what the shards had read before an attempt was lost counts once
        double progressBefore = progressAt(previous) + nzd(previous.getLostShardProgress());
        double progressNow = shardProgress != null ? shardProgress : finishedShards;
        double lostNow = Math.max(0, progressBefore - progressNow);
        double tokensNow = (tokensKept - nz(previous.getSampledCompletionTokens())) / seconds;
        double shardsNow = Math.max(0, progressNow - progressBefore) * 3600.0 / seconds;
        double alpha = 1 - Math.exp(-seconds / WINDOW.toSeconds());
        double tokens = previous.getShardsPerHour() == null
                ? tokensNow
                : alpha * tokensNow + (1 - alpha) * previous.getTokensPerSecond();
        double shards = previous.getShardsPerHour() == null
                ? shardsNow
                : alpha * shardsNow + (1 - alpha) * previous.getShardsPerHour();
        Double docs = previous.getDocumentsPerSecond();
        if (documentsKept != null && previous.getSampledDocuments() != null) {
            double docsNow = (documentsKept - previous.getSampledDocuments()) / seconds;
            docs = docs == null ? docsNow : alpha * docsNow + (1 - alpha) * docs;
        }
        // A falling rate is rounded down: rounded to nearest, a small one would stay where it is for good.
        return fresh(
                (long) rounded(tokens, (double) previous.getTokensPerSecond(), 1),
                rounded(shards, previous.getShardsPerHour(), 1000),
                docs == null ? null : rounded(docs, previous.getDocumentsPerSecond(), 1000),
                now,
                finishedShards,
                shardProgress,
                tokensKept,
                documentsKept,
                lostNow);
    }

    /**
     * Every rate has fallen to 0 and nothing moved since: a new sample would change only its time. The
     * last one stays (a stalled job's status is written no more), and the next movement is measured from it.
     */
    private static boolean settled(
            Throughput previous, long finishedShards, Double shardProgress, long completionTokens, Long documents) {
        return previous.getTokensPerSecond() == 0
                && previous.getShardsPerHour() != null
                && previous.getShardsPerHour() == 0
                && (previous.getDocumentsPerSecond() == null || previous.getDocumentsPerSecond() == 0)
                && nz(previous.getSampledShards()) == finishedShards
                && Objects.equals(previous.getSampledShardProgress(), progressKept(shardProgress, finishedShards))
                && nz(previous.getSampledCompletionTokens()) == completionTokens
                && Objects.equals(previous.getSampledDocuments(), documents);
    }

    /** When the remaining shards finish at the sampled rate, or null when there is no rate. */
    public static String eta(Throughput throughput, long totalShards) {
        if (throughput == null
                || throughput.getShardsPerHour() == null
                || throughput.getShardsPerHour() <= 0
                || throughput.getSampledAt() == null) {
            return null;
        }
        double remaining = totalShards - progressAt(throughput);
        if (remaining <= 0) {
            return null;
        }
        double hours = remaining / throughput.getShardsPerHour();
        if (hours > 24 * 365 * 10) {
            return null;
        }
        return Rfc3339.format(Rfc3339.parse(throughput.getSampledAt()).plusSeconds(Math.round(hours * 3600)));
    }

    /**
     * No worker runs (suspended, held at parallelism 0): every rate is 0 now, and the rates start
     * again from 0 when workers run again. The last sample stays the basis of the next one.
     */
    public static Throughput stopped(Throughput t) {
        if (t == null) {
            return null;
        }
        Throughput c = copy(t, nz(t.getSampledCompletionTokens()));
        c.setSampledDocuments(t.getSampledDocuments());
        c.setTokensPerSecond(0);
        c.setShardsPerHour(t.getShardsPerHour() == null ? null : 0.0);
        c.setDocumentsPerSecond(t.getDocumentsPerSecond() == null ? null : 0.0);
        return c;
    }

    /** After the totals were replaced (a tally), the token counter jumps: rebase, do not count the jump as throughput. */
    public static Throughput rebase(Throughput previous, long completionTokens) {
        if (previous == null || previous.getSampledAt() == null) {
            return previous;
        }
        return copy(previous, completionTokens);
    }

    /** The documents counter jumps as well: its next sample starts a fresh rate from the rebased count. */
    private static Throughput copy(Throughput t, long sampledTokens) {
        Throughput c = new Throughput(t.getTokensPerSecond());
        c.setShardsPerHour(t.getShardsPerHour());
        c.setSampledAt(t.getSampledAt());
        c.setSampledShards(t.getSampledShards());
        c.setSampledCompletionTokens(sampledTokens);
        c.setDocumentsPerSecond(t.getDocumentsPerSecond());
        c.setSampledShardProgress(t.getSampledShardProgress());
        c.setLostShardProgress(t.getLostShardProgress());
        return c;
    }

    private static Throughput fresh(
            long tokensPerSecond,
            Double shardsPerHour,
            Double documentsPerSecond,
            Instant at,
            long shards,
            Double shardProgress,
            long tokens,
            Long documents,
            double lost) {
        Throughput t = new Throughput(tokensPerSecond);
        t.setShardsPerHour(shardsPerHour);
        t.setSampledAt(Rfc3339.format(at));
        t.setSampledShards(shards);
        t.setSampledCompletionTokens(tokens);
        t.setDocumentsPerSecond(documentsPerSecond);
        t.setSampledDocuments(documents);
        // only when running shards add to the finished ones: a status without live readings stays as it was
        t.setSampledShardProgress(progressKept(shardProgress, shards));
        // (rounded as the progress is; what rounds to nothing is nothing left to read again)
        double lostKept = round3(lost);
        t.setLostShardProgress(lostKept > 0 ? lostKept : null);
        return t;
    }

    /** Finished shards plus how far the running ones are, at the sample. */
    private static double progressAt(Throughput t) {
        return t.getSampledShardProgress() != null ? t.getSampledShardProgress() : nz(t.getSampledShards());
    }

    private static Double progressKept(Double shardProgress, long shards) {
        return shardProgress == null || shardProgress == shards ? null : round3(shardProgress);
    }

    /** {@code v} in steps of {@code 1/scale}: down when it fell below {@code before}, else to the nearest. */
    private static double rounded(double v, Double before, double scale) {
        // (a hair above the floor: a rate that holds, computed a little under itself, is not rounded down)
        return (before != null && v < before ? Math.floor(v * scale + 1e-6) : Math.round(v * scale)) / scale;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static long nz(Long v) {
        return v == null ? 0 : v;
    }

    private static double nzd(Double v) {
        return v == null ? 0 : v;
    }
}
