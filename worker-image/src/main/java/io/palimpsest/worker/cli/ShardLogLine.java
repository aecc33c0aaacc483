package io.palimpsest.worker.cli;

import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.worker.client.ClientStats;
import io.palimpsest.worker.run.ShardRunner;
import io.palimpsest.worker.text.ControlChars;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The one log line per shard: outcome, accounting, tokens, time, retries by reason, latency, as
 * logfmt ({@code key=value}, a value with blanks quoted). A message is quoted with its backslashes,
 * quotes and control characters escaped, so a message of several lines (a parser's error with its
 * excerpt) or with quotes in it is still one line and one value; numbers are written the same in
 * every locale. docs/MONITORING.md lists the fields.
 */
final class ShardLogLine {

    private ShardLogLine() {}

    /** As {@link #print(ShardRunner.Report, ClientStats, int, String)}, no signal stopping the process. */
    static void print(ShardRunner.Report report, ClientStats stats, int concurrencyLimit) {
        print(report, stats, concurrencyLimit, null);
    }

    /** As {@link #print(ShardRunner.Report, String)}, no signal stopping the process. */
    static void print(ShardRunner.Report report) {
        print(report, (String) null);
    }

    /** As {@link #counts(ShardRunner.Report, String)}, no signal stopping the process. */
    static String counts(ShardRunner.Report report) {
        return counts(report, null);
    }

    /**
     * A shard whose model client served it alone ({@code run}): the client's figures are the shard's.
     *
     * @param signal the signal stopping the process ({@link SigtermHook#stoppedBy}), or null
     */
    static void print(ShardRunner.Report report, ClientStats stats, int concurrencyLimit, String signal) {
        String retries = stats.retriesByReason.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue().sum())
                .sorted()
                .collect(Collectors.joining(","));
        System.err.println(counts(report, signal)
                + String.format(
                        Locale.ROOT,
                        " requests=%d retries=[%s] p50_ms=%.0f p99_ms=%.0f concurrency_limit=%d",
                        stats.attempts.sum(),
                        retries,
                        stats.latencyMicros.getValueAtPercentile(50) / 1000.0,
                        stats.latencyMicros.getValueAtPercentile(99) / 1000.0,
                        concurrencyLimit)
                + message(report.summary()));
    }

    /** A shard that shared its client with others ({@code local}): only what is the shard's own. */
    static void print(ShardRunner.Report report, String signal) {
        print(report, signal, UnaryOperator.identity());
    }

    /**
     * As {@link #print(ShardRunner.Report, String)}, its message as {@code said} says it ({@code local} points to
     * a refusal it says once for every shard).
     */
    static void print(ShardRunner.Report report, String signal, UnaryOperator<String> said) {
        String message = report.summary().getMessage();
        System.err.println(counts(report, signal) + (message == null ? "" : " message=" + quoted(said.apply(message))));
    }

    /**
     * Accounting of the shard; written + rejected + skipped over read is said, never hidden. Once a signal
     * is stopping the process, a shard that committed anyway or was stopped by it shows the exit code the
     * process ends with (130 on SIGINT, 143 on SIGTERM) and {@code signal=}, so the line and the exit
     * status agree; its outcome ({@code committed}, {@code error}) says what became of the shard.
     * {@code resumed=} (only when there were any) counts the documents the attempt took from checkpoint
     * parts of earlier attempts instead of sending them again, so a resume is seen not to start over.
     */
    static String counts(ShardRunner.Report report, String signal) {
        ShardSummary s = report.summary();
        boolean signalled =
                signal != null && (report.exitCode() == ExitCodes.DONE || report.exitCode() == ExitCodes.TERMINATED);
        int exit = signalled ? SigtermHook.exitOf(signal) : report.exitCode();
        long unaccounted = LocalSummary.unaccounted(s.getRead(), s.getWritten(), s.getRejected(), s.getSkipped());
        return String.format(
                        Locale.ROOT,
                        "shard-%05d %s exit=%d read=%d written=%d rejected=%d skipped=%d%s%s prompt_tokens=%d"
                                + " completion_tokens=%d seconds=%.1f",
                        s.getShard(),
                        s.getOutcome(),
                        exit,
                        s.getRead(),
                        s.getWritten(),
                        s.getRejected(),
                        s.getSkipped(),
                        unaccounted > 0
                                ? " unfinished=" + unaccounted
                                : unaccounted < 0 ? " counts_exceed_read=" + -unaccounted : "",
                        report.resumed() > 0 ? " resumed=" + report.resumed() : "",
                        s.getPromptTokens(),
                        s.getCompletionTokens(),
                        s.getSeconds())
                + (unaccounted < 0 ? " error=" + quoted(LocalSummary.overcount(-unaccounted)) : "")
                + (signalled ? " signal=" + (signal.startsWith("SIG") ? signal : quoted(signal)) : "");
    }

    private static String message(ShardSummary s) {
        return s.getMessage() == null ? "" : " message=" + quoted(s.getMessage());
    }

    /** A logfmt value in quotes: backslash, quote, line breaks, tabs and other control characters escaped. */
    static String quoted(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (ControlChars.unsafe(c)) {
                        ControlChars.escape(c, out);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
