package io.palimpsest.worker.cli;

import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.worker.client.ClientStats;
import io.palimpsest.worker.run.RunProgress;
import io.palimpsest.worker.run.ShardRunner;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The closing summary of a local run. */
final class LocalSummary {

    private LocalSummary() {}

    /**
     * @param stats the model client's, which served every shard (null when the recipe calls no model)
     */
    static void print(
            List<ShardRunner.Report> reports, RunProgress progress, ClientStats stats, double seconds, String output) {
        long read = 0;
        long written = 0;
        long rejected = 0;
        long skipped = 0;
        long prompt = 0;
        long completion = 0;
        Map<ShardSummary.Outcome, Integer> outcomes = new TreeMap<>();
        for (ShardRunner.Report report : reports) {
            ShardSummary s = report.summary();
            read += s.getRead();
            written += s.getWritten();
            rejected += s.getRejected();
            skipped += s.getSkipped();
            prompt += s.getPromptTokens();
            completion += s.getCompletionTokens();
            outcomes.merge(s.getOutcome(), 1, Integer::sum);
        }
        System.out.println();
        System.out.printf("shards     %d %s%n", reports.size(), outcomes);
        System.out.println("documents  " + documents(read, written, rejected, skipped));
        System.out.printf(
                "tokens     prompt %d, completion %d (this run: %d completion tokens)%n",
                prompt, completion, progress.completionTokens.get());
        if (stats != null) {
            System.out.println("requests   " + requests(stats));
        }
        System.out.printf("time       %.1f s%n", seconds);
        System.out.printf("output     %s (rejects and receipts under _palimpsest/)%n", output);
        for (ShardRunner.Report report : reports) {
            if (report.exitCode() != 0) {
                System.out.printf(
                        "shard %d: %s (%s) %s%n",
                        report.summary().getShard(),
                        report.summary().getOutcome(),
                        report.summary().getReason(),
                        report.summary().getMessage());
            }
        }
    }

    /** Read, then where each read document went; those a stopped run left undone are said, so the line adds up. */
    static String documents(long read, long written, long rejected, long skipped) {
        long unfinished = unfinished(read, written, rejected, skipped);
        return String.format("read %d, written %d, rejected %d, skipped %d", read, written, rejected, skipped)
                + (unfinished > 0 ? ", unfinished " + unfinished + " (the run stopped before they were done)" : "");
    }

    /** Documents read but neither written, rejected nor skipped: the attempt stopped before they were done. */
    static long unfinished(long read, long written, long rejected, long skipped) {
        return Math.max(0, read - written - rejected - skipped);
    }

    /** The client's requests over the whole run (all shards share it), with retries and latency. */
    static String requests(ClientStats stats) {
        String retries = stats.retriesByReason.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue().sum())
                .sorted()
                .collect(Collectors.joining(", "));
        String line = stats.attempts.sum() + " to the model, retries " + (retries.isEmpty() ? "none" : retries);
        return stats.successes.sum() == 0
                ? line
                : line
                        + String.format(
                                ", latency p50 %.0f ms, p99 %.0f ms",
                                stats.latencyMicros.getValueAtPercentile(50) / 1000.0,
                                stats.latencyMicros.getValueAtPercentile(99) / 1000.0);
    }
}
