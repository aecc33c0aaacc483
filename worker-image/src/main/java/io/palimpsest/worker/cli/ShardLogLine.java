package io.palimpsest.worker.cli;

import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.worker.client.ClientStats;
import io.palimpsest.worker.run.ShardRunner;
import java.util.stream.Collectors;

/** The one log line per shard: outcome, accounting, tokens, time, retries by reason, latency. */
final class ShardLogLine {

    private ShardLogLine() {}

    static void print(ShardRunner.Report report, ClientStats stats, int concurrencyLimit) {
        ShardSummary s = report.summary();
        String retries = stats.retriesByReason.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue().sum())
                .sorted()
                .collect(Collectors.joining(","));
        System.err.printf(
                "shard-%05d %s exit=%d read=%d written=%d rejected=%d skipped=%d prompt_tokens=%d completion_tokens=%d "
                        + "seconds=%.1f requests=%d retries=[%s] p50_ms=%.0f p99_ms=%.0f concurrency_limit=%d%s%n",
                s.getShard(),
                s.getOutcome(),
                report.exitCode(),
                s.getRead(),
                s.getWritten(),
                s.getRejected(),
                s.getSkipped(),
                s.getPromptTokens(),
                s.getCompletionTokens(),
                s.getSeconds(),
                stats.attempts.sum(),
                retries,
                stats.latencyMicros.getValueAtPercentile(50) / 1000.0,
                stats.latencyMicros.getValueAtPercentile(99) / 1000.0,
                concurrencyLimit,
                s.getMessage() == null ? "" : " message=\"" + s.getMessage() + "\"");
    }
}
