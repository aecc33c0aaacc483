package io.palimpsest.worker.show;

import java.util.Map;

/**
 * One committed record about a document: an output of a variant, or a reject.
 *
 * @param variant null for a reject of the whole document (a pre-filter, a stage, no route)
 * @param text    the output; for a reject, the rejected output when there was one (else null)
 * @param reason  the reject reason (null for outputs)
 * @param detail  the reject's detail: the measured value and the limit (null for outputs)
 * @param params  the matrix parameters of this output (empty without a matrix)
 * @param round   the retry round ({@code palimpsest retry-rejects}) that committed it; null for the run
 * @param madeFromWords for a rejected output, the words of what it was made from (its chunk, the chunks it joins, or
 *                the document), which its length ratio is taken against; null when the rejects file does not say
 */
public record ShownResult(
        String variant,
        Outcome outcome,
        String text,
        String reason,
        String detail,
        Map<String, Object> params,
        Integer round,
        Integer madeFromWords) {
    public enum Outcome {
        written,
        rejected,
        skipped
    }

    public ShownResult {
        params = params == null ? Map.of() : Map.copyOf(params);
    }

    /** A result the run committed. */
    public ShownResult(
            String variant, Outcome outcome, String text, String reason, String detail, Map<String, Object> params) {
        this(variant, outcome, text, reason, detail, params, null, null);
    }

    /** The same result, with the words of what its rejected output was made from. */
    public ShownResult madeFrom(Integer words) {
        return new ShownResult(variant, outcome, text, reason, detail, params, round, words);
    }

    /** The same result, as committed by retry round {@code round}. */
    public ShownResult inRound(int round) {
        return new ShownResult(variant, outcome, text, reason, detail, params, round, madeFromWords);
    }
}
