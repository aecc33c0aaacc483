package io.palimpsest.worker.cli;

import java.time.Duration;
import java.util.Optional;

/**
 * The text of a local run's progress line. The share of documents done is estimated from the input
 * read ({@link io.palimpsest.worker.run.RunProgress#inputFraction(long)}: bytes as stored over the
 * plan's bytes, corrected for documents read but not answered yet): the number of documents is known
 * only once every file is read, and bytes track it closely for any corpus whose documents are not
 * sorted by size. A resumed run counts what was done before it on both sides, the share and the
 * documents ({@code before}: the shards committed before, from their receipts, and the documents resumed
 * from checkpoint parts), so the estimated total is the plan's from its start.
 * The ETA extrapolates the elapsed time at the share this run did ({@code fractionBefore} taken out);
 * neither is shown before the run has a measurable share. The tokens (and their rate) are those the
 * model answered, as each answer comes ({@link AnsweredTokens}): none of them is committed before its shard is.
 *
 * @param documents done in all, this run's and {@code before}
 */
record ProgressLine(
        int shardsDone,
        int shards,
        long documents,
        long written,
        long notWritten,
        long answeredCompletionTokens,
        double inputFraction,
        double seconds,
        Optional<Duration> modelOutage,
        long before,
        double fractionBefore) {

    ProgressLine(
            int shardsDone,
            int shards,
            long documents,
            long written,
            long notWritten,
            long answeredCompletionTokens,
            double inputFraction,
            double seconds,
            Optional<Duration> modelOutage) {
        this(
                shardsDone,
                shards,
                documents,
                written,
                notWritten,
                answeredCompletionTokens,
                inputFraction,
                seconds,
                modelOutage,
                0,
                0);
    }

    ProgressLine(
            int shardsDone,
            int shards,
            long documents,
            long written,
            long notWritten,
            long answeredCompletionTokens,
            double inputFraction,
            double seconds) {
        this(
                shardsDone,
                shards,
                documents,
                written,
                notWritten,
                answeredCompletionTokens,
                inputFraction,
                seconds,
                Optional.empty());
    }

    /** Below this share the extrapolation is noise. */
    static final double MIN_FRACTION = 0.001;

    double fraction() {
        if (shards > 0 && shardsDone >= shards) {
            return 1.0;
        }
        return inputFraction;
    }

    /**
     * Seconds left at the rate so far, or -1 when there is no measurable share yet or the model is
     * not answering (the rate says nothing about when it will again).
     */
    long etaSeconds() {
        double f = fraction();
        if (f >= 1.0) {
            return 0;
        }
        double ours = f - (Double.isNaN(fractionBefore) ? 0 : fractionBefore);
        if (modelOutage.isPresent() || Double.isNaN(f) || ours < MIN_FRACTION || seconds <= 0) {
            return -1;
        }
        return Math.round(seconds * (1 - f) / ours);
    }

    String text() {
        double f = fraction();
        long eta = etaSeconds();
        String share = Double.isNaN(f) || f < MIN_FRACTION ? "  -%" : String.format("%3.0f%%", f * 100);
        String total = Double.isNaN(f) || f < MIN_FRACTION || documents == 0
                ? ""
                : f >= 1.0 ? " of " + documents : " of ~" + Math.round(documents / f);
        return String.format(
                "%s docs %d%s (%swritten %d, not written %d) | shards %d/%d | %d completion tokens answered | %.0f tok/s"
                        + " | %s | %s",
                share,
                documents,
                total,
                before > 0 ? "before this run " + before + ", " : "",
                written,
                notWritten,
                shardsDone,
                shards,
                answeredCompletionTokens,
                answeredCompletionTokens / Math.max(0.001, seconds),
                clock(Math.round(seconds)),
                modelOutage
                        .map(d -> "model not answering for " + clock(d.toSeconds()))
                        .orElse("ETA " + (eta < 0 ? "-" : clock(eta))));
    }

    /** h:mm:ss, or m:ss under an hour. */
    static String clock(long seconds) {
        Duration d = Duration.ofSeconds(Math.max(0, seconds));
        return d.toHours() > 0
                ? String.format("%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart())
                : String.format("%d:%02d", d.toMinutesPart(), d.toSecondsPart());
    }
}
