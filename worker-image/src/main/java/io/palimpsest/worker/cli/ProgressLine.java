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
 * Before the first document is done (a model loading, long documents, a slow first batch) the line says what the
 * run waits for: the model requests in flight and those answered.
 *
 * @param documents done in all, this run's and {@code before}
 * @param requests the model client's requests, or null when the recipe calls no model
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
        double fractionBefore,
        Requests requests) {

    /**
     * The model requests of the run: in flight now (holding a concurrency permit), sent (attempts, retries
     * included) and answered.
     */
    record Requests(int inFlight, long sent, long answered) {}

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
        String docs = documents == 0 && !(f >= 1.0) // NaN: nothing planned yet
                ? "docs 0 yet" + awaited()
                : String.format(
                        "docs %d%s (%swritten %d, not written %d)",
                        documents, total, before > 0 ? "before this run " + before + ", " : "", written, notWritten);
        return String.format(
                "%s %s | shards %d/%d | %d completion tokens answered | %.0f tok/s | %s | %s",
                share,
                docs,
                shardsDone,
                shards,
                answeredCompletionTokens,
                answeredCompletionTokens / Math.max(0.001, seconds),
                clock(Math.round(seconds)),
                modelOutage
                        .map(d -> "model not answering for " + clock(d.toSeconds()))
                        .orElse("ETA " + (eta < 0 ? "-" : clock(eta))));
    }

    /** What the run waits for before its first document is done: the model's answers to the requests sent. */
    private String awaited() {
        if (requests == null) {
            return "";
        }
        String answered = requests.answered() == 0 ? "none answered" : requests.answered() + " answered";
        if (requests.inFlight() > 0) {
            return ": " + requests.inFlight() + (requests.inFlight() == 1 ? " model request" : " model requests")
                    + " in flight, " + answered;
        }
        return requests.sent() == 0
                ? ": no model request sent yet"
                : ": no model request in flight, " + requests.sent() + " sent, " + answered;
    }

    /** h:mm:ss, or m:ss under an hour. */
    static String clock(long seconds) {
        Duration d = Duration.ofSeconds(Math.max(0, seconds));
        return d.toHours() > 0
                ? String.format("%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart())
                : String.format("%d:%02d", d.toMinutesPart(), d.toSecondsPart());
    }
}
