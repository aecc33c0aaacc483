package io.palimpsest.worker.cli;

import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.worker.client.ClientStats;
import io.palimpsest.worker.run.ShardRunner;
import java.util.stream.Collectors;

/** The one log line per shard: outcome, accounting, tokens, time, retries by reason, latency. */
final class ShardLogLine {

    private ShardLogLine() {}

    /** A shard whose model client served it alone ({@code run}): the client's figures are the shard's. */
    static void print(ShardRunner.Report report, ClientStats stats, int concurrencyLimit) {
        String retries = stats.retriesByReason.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue().sum())
                .sorted()
                .collect(Collectors.joining(","));
        System.err.println(counts(report)
                + String.format(
                        " requests=%d retries=[%s] p50_ms=%.0f p99_ms=%.0f concurrency_limit=%d",
                        stats.attempts.sum(),
                        retries,
                        stats.latencyMicros.getValueAtPercentile(50) / 1000.0,
                        stats.latencyMicros.getValueAtPercentile(99) / 1000.0,
                        concurrencyLimit)
                + message(report.summary()));
    }

    /** A shard that shared its client with others ({@code local}): only what is the shard's own. */
    static void print(ShardRunner.Report report) {
        System.err.println(counts(report) + message(report.summary()));
    }

    /** Accounting of the shard; written + rejected + skipped over read is said, never hidden. */
    static String counts(ShardRunner.Report report) {
        ShardSummary s = report.summary();
        long unaccounted = LocalSummary.unaccounted(s.getRead(), s.getWritten(), s.getRejected(), s.getSkipped());
        return String.format(
                        "shard-%05d %s exit=%d read=%d written=%d rejected=%d skipped=%d%s prompt_tokens=%d completion_tokens=%d"
                                + " seconds=%.1f",
                        s.getShard(),
                        s.getOutcome(),
                        report.exitCode(),
                        s.getRead(),
                        s.getWritten(),
                        s.getRejected(),
                        s.getSkipped(),
                        unaccounted > 0
                                ? " unfinished=" + unaccounted
                                : unaccounted < 0 ? " counts_exceed_read=" + -unaccounted : "",
                        s.getPromptTokens(),
                        s.getCompletionTokens(),
                        s.getSeconds())
                + (unaccounted < 0 ? " error=\"" + LocalSummary.overcount(-unaccounted) + "\"" : "");
    }

    private static String message(ShardSummary s) {
        return s.getMessage() == null ? "" : " message=\"" + s.getMessage() + "\"";
    }
}
