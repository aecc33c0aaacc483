package io.palimpsest.worker.cli;

import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.api.worker.VariantCounts;
import io.palimpsest.worker.client.ClientStats;
import io.palimpsest.worker.run.EarlierRecipes;
import io.palimpsest.worker.run.ReceiptTally;
import io.palimpsest.worker.run.RunProgress;
import io.palimpsest.worker.run.ShardRunner;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The closing summary of a local run. Its documents are the output's totals as {@code tally} states them
 * ({@link ReceiptTally}: every committed shard, the part earlier recipes made said below), plus what the attempts
 * of shards left uncommitted read. Its tokens are the output's committed totals, then what this run's requests
 * were answered with, as the model client counted them: committed or not, so a stopped or failed run still says
 * what it cost.
 */
final class LocalSummary {

    private LocalSummary() {}

    /**
     * @param committed the output's totals ({@link ReceiptTally}, as {@code tally} states them): every shard
     *                  committed there, this run's and earlier ones', of whatever recipe, with the part earlier
     *                  recipes made
     * @param stats     the model client's, which served every shard (null when the recipe calls no model)
     */
    static void print(
            List<ShardRunner.Report> reports,
            Tally committed,
            RunProgress progress,
            ClientStats stats,
            double seconds,
            String output) {
        print(reports, committed, progress, stats, seconds, output, UnaryOperator.identity());
    }

    /**
     * As above, each failed shard's message as {@code said} says it ({@code local} points to a refusal it says once,
     * at its manifest line, below the summary).
     */
    static void print(
            List<ShardRunner.Report> reports,
            Tally committed,
            RunProgress progress,
            ClientStats stats,
            double seconds,
            String output,
            UnaryOperator<String> said) {
        // the committed part is the output's, counted as tally counts it; a shard not committed adds what its
        // attempt read, so a stopped run's line still says how many documents are unfinished
        long read = committed.getRead();
        long written = committed.getWritten();
        long rejected = committed.getRejected();
        long skipped = committed.getSkipped();
        // by reason as the totals count: the output's (a document a retry round ran again under the round's), then
        // what the attempts of shards not committed read, capped as tally caps them
        Map<String, Long> rejectedByReason = new TreeMap<>();
        Map<String, Long> skippedByReason = new TreeMap<>();
        long resumed = 0;
        int uncommitted = 0;
        Map<ShardSummary.Outcome, Integer> outcomes = new TreeMap<>();
        for (ShardRunner.Report report : reports) {
            ShardSummary s = report.summary();
            if (!committed(s)) {
                read += s.getRead();
                written += s.getWritten();
                rejected += s.getRejected();
                skipped += s.getSkipped();
                if (s.getRejectedByReason() != null) {
                    s.getRejectedByReason().forEach((reason, n) -> rejectedByReason.merge(reason, n, Long::sum));
                }
                if (s.getSkippedByReason() != null) {
                    s.getSkippedByReason().forEach((reason, n) -> skippedByReason.merge(reason, n, Long::sum));
                }
                uncommitted++;
            }
            resumed += report.resumed();
            outcomes.merge(s.getOutcome(), 1, Integer::sum);
        }
        System.out.println();
        System.out.printf("shards     %d %s%n", reports.size(), outcomes);
        System.out.println("documents  " + documents(read, written, rejected, skipped));
        for (String earlier : EarlierRecipes.lines(committed)) {
            System.out.println("           " + earlier);
        }
        reasonsLine(VariantCounts.merge(committed.getRejectedByReason(), rejectedByReason))
                .ifPresent(line -> System.out.println("rejected   " + line));
        reasonsLine(VariantCounts.merge(committed.getSkippedByReason(), skippedByReason))
                .ifPresent(line -> System.out.println("skipped    " + line));
        if (resumed > 0) {
            // answered by an earlier run stopped part-way: taken from its checkpoint parts, not sent again
            System.out.println("resumed    " + resumed + " documents resumed from checkpoint parts");
        }
        if (read > 0 && written == 0 && unaccounted(read, written, rejected, skipped) == 0) {
            System.out.println("nothing    " + nothingWritten(progress.notWrittenByReason()));
        }
        String overcounted =
                overcounted(reports.stream().map(ShardRunner.Report::summary).toList());
        if (overcounted != null) {
            System.out.println("counts     " + overcounted);
        }
        System.out.println("tokens     " + tokens(committed, progress, stats, uncommitted));
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
                        report.summary().getMessage() == null
                                ? null
                                : said.apply(report.summary().getMessage()));
            }
        }
    }

    /**
     * The output's committed tokens (its receipts, earlier runs' shards included), then this run's: every request
     * the model answered, as the client counted it, whether its document was committed, is waiting in a shard
     * not committed, or was given up when the run stopped. A document's tokens reach a receipt only with its
     * shard; the client's are what was paid. Without a model client (a recipe calling no model), the documents'.
     */
    static String tokens(Tally committed, RunProgress progress, ClientStats stats, int uncommitted) {
        AnsweredTokens answered = AnsweredTokens.of(stats, progress);
        return String.format(
                "prompt %d, completion %d committed (this run: prompt %d, completion %d answered%s)",
                committed.getPromptTokens(),
                committed.getCompletionTokens(),
                answered.prompt(),
                answered.completion(),
                uncommitted == 0
                        ? ""
                        : ", including the requests of " + uncommitted + (uncommitted == 1 ? " shard" : " shards")
                                + " not committed");
    }

    /** The shard has a receipt: its counts are in the output's totals. */
    private static boolean committed(ShardSummary shard) {
        return shard.getOutcome() == ShardSummary.Outcome.committed
                || shard.getOutcome() == ShardSummary.Outcome.alreadyCommitted;
    }

    /**
     * The summary's last line when a signal stopped the run: whether the work is complete (every shard
     * committed, some just before the signal took effect) and that the exit code is the signal's, not a failure's.
     */
    static String interrupted(List<ShardRunner.Report> reports, String signal, int exit) {
        return interrupted(reports, signal, exit, null);
    }

    /** As above, for retry round {@code round} of {@code retry-rejects} (null: a job's run). */
    static String interrupted(List<ShardRunner.Report> reports, String signal, int exit, Integer round) {
        long committed = reports.stream().filter(r -> r.exitCode() == 0).count();
        if (committed == reports.size()) {
            return "stopped    by " + signal + " after every shard was committed: the "
                    + (round == null ? "output" : "retry round " + round) + " is complete; exit " + exit
                    + " says only that the run was interrupted";
        }
        return "stopped    by " + signal + ": " + committed + " of " + reports.size() + " shards"
                + (round == null ? "" : " of retry round " + round) + " committed; run the same command again to"
                + " resume " + (round == null ? "the rest" : "retry round " + round) + " (exit " + exit + ")";
    }

    /**
     * The one line of a run stopped before any shard started, in place of the summary: the step it was in
     * ({@code doing}), that this run committed nothing (the output holds what earlier runs committed, if anything,
     * as they left it), and what to do next.
     */
    static String stoppedBefore(String doing, String signal) {
        // a signal whose name is not known (it came before its handler could be wrapped) may be either exit
        String exit = signal.startsWith("SIG") ? " (exit " + SigtermHook.exitOf(signal) + ")" : "";
        return "stopped    by " + signal + " while " + doing + ", before any shard started: this run committed"
                + " nothing and sent no document to the model; run the same command again to run the job" + exit;
    }

    /**
     * What a run that wrote no document says beside its counts: a filter, route or validator that lets nothing
     * through (a threshold or a value mistyped) commits an empty output as a success, so it is said apart, with the
     * reasons of this run's documents (by count; "skipped/filter:metadata" keys), and where to look.
     */
    static String nothingWritten(Map<String, Long> notWrittenByReason) {
        String reasons = notWrittenByReason.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(5)
                .map(e -> e.getKey().replace('/', ' ') + " " + e.getValue())
                .collect(Collectors.joining(", "));
        return "no document got an output" + (reasons.isEmpty() ? "" : " (" + reasons + ")")
                + ": look at the rejects (palimpsest show <output>) and the recipe's filters, routes and validators"
                + " before using this output";
    }

    /** {@link #documentsByReason}, or nothing when no document is counted there (null or empty). */
    static Optional<String> reasonsLine(Map<String, Long> counts) {
        return counts == null || counts.isEmpty() ? Optional.empty() : Optional.of(documentsByReason(counts));
    }

    /**
     * Documents by reason, most first (ties by name, {@code (other)} last): "filter:regex 9, too_short 6". The
     * rejected and skipped lines of {@code local}'s summary and of {@code tally}'s stderr, so both say one
     * output's figures in the same words.
     */
    static String documentsByReason(Map<String, Long> counts) {
        return counts.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<String, Long> e) -> VariantCounts.OTHER.equals(e.getKey()))
                        .thenComparing(
                                Map.Entry.<String, Long>comparingByValue().reversed())
                        .thenComparing(Map.Entry.comparingByKey()))
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    /**
     * Read, then where each read document went; those a stopped run left undone are said, so the line
     * adds up. More documents accounted for than read is never hidden: it is a bug of the accounting.
     */
    static String documents(long read, long written, long rejected, long skipped) {
        long unaccounted = unaccounted(read, written, rejected, skipped);
        return String.format("read %d, written %d, rejected %d, skipped %d", read, written, rejected, skipped)
                + (unaccounted > 0 ? ", unfinished " + unaccounted + " (the run stopped before they were done)" : "")
                + (unaccounted < 0 ? ", " + overcount(-unaccounted) : "");
    }

    /**
     * Documents read but neither written, rejected nor skipped: when positive, the attempt stopped before
     * they were done; when negative, more were accounted for than read, which is a bug.
     */
    static long unaccounted(long read, long written, long rejected, long skipped) {
        return read - written - rejected - skipped;
    }

    /** What a count that does not add up says, whole documents or shard. */
    static String overcount(long excess) {
        return "THE COUNTS DO NOT ADD UP: written + rejected + skipped exceed read by " + excess
                + " (a bug in the worker's accounting; please report it)";
    }

    /** The shards whose counts exceed what they read, by how much; null when every shard adds up. */
    static String overcounted(List<ShardSummary> shards) {
        List<String> over = shards.stream()
                .filter(s -> unaccounted(s.getRead(), s.getWritten(), s.getRejected(), s.getSkipped()) < 0)
                .map(s -> "shard " + s.getShard() + " by "
                        + -unaccounted(s.getRead(), s.getWritten(), s.getRejected(), s.getSkipped()))
                .toList();
        return over.isEmpty()
                ? null
                : "do not add up: written + rejected + skipped exceed read in " + String.join(", ", over)
                        + " (a bug in the worker's accounting; please report it)";
    }

    /**
     * The client's requests over the whole run (all shards share it), with latency: every request
     * sent, split into those answered (one per prompt a document needs when nothing fails: what
     * {@code preview} estimates as requests), those that failed (timeouts, 5xx, dropped
     * connections: retried while the document's retries last), by reason, and those the server
     * refused for good (400, 401, 404, ...: not retried), by status, and those that got no answer (in
     * flight when a stopped run gave them up: no tokens are known of them); then the token counts, if any
     * were asked of the server, apart.
     */
    static String requests(ClientStats stats) {
        long sent = stats.attempts.sum();
        long answered = stats.successes.sum();
        long failed = stats.totalRetries();
        long refused = stats.completions.totalRefused();
        long unanswered = sent - answered - failed - refused;
        String line = sent + " to the model: " + answered + " answered, "
                + (failed == 0 ? "none failed" : failed + " failed (" + byReason(stats.retriesByReason) + ")")
                + (refused == 0 ? "" : ", " + refused + " refused (" + byReason(stats.refusedByStatus) + ")")
                + (unanswered <= 0 ? "" : ", " + unanswered + " without an answer (given up in flight)");
        String latency = stats.successes.sum() == 0
                ? ""
                : String.format(
                        ", latency p50 %.0f ms, p99 %.0f ms",
                        stats.latencyMicros.getValueAtPercentile(50) / 1000.0,
                        stats.latencyMicros.getValueAtPercentile(99) / 1000.0);
        return line + latency + counts(stats.counts);
    }

    private static String byReason(Map<String, LongAdder> counts) {
        return counts.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue().sum())
                .sorted()
                .collect(Collectors.joining(", "));
    }

    /**
     * The token counts asked of the server ({@code tokenizer.mode: server}), after the model calls and
     * not among them: a count is no prompt, and the model calls' figure stays what {@code preview}
     * estimates. Nothing when the recipe counted no tokens at the server.
     */
    private static String counts(ClientStats.Requests counts) {
        long sent = counts.attempts.sum();
        if (sent == 0) {
            return "";
        }
        long failed = counts.totalRetries();
        long refused = counts.totalRefused();
        return " (+" + sent + " token counts"
                + (failed == 0 ? "" : ", " + failed + " failed (" + byReason(counts.retriesByReason) + ")")
                + (refused == 0 ? "" : ", " + refused + " refused (" + byReason(counts.refusedByStatus) + ")")
                + ")";
    }
}
