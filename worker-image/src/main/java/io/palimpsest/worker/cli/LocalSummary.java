package io.palimpsest.worker.cli;

import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.worker.run.RunProgress;
import io.palimpsest.worker.run.ShardRunner;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The closing summary of a local run. */
final class LocalSummary {

    private LocalSummary() {}

    static void print(List<ShardRunner.Report> reports, RunProgress progress, double seconds, String output) {
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
        System.out.printf(
                "documents  read %d, written %d, rejected %d, skipped %d%n", read, written, rejected, skipped);
        System.out.printf(
                "tokens     prompt %d, completion %d (this run: %d completion tokens)%n",
                prompt, completion, progress.completionTokens.get());
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
}
