package io.palimpsest.worker.recipe.validate;

import java.util.Optional;

/**
 * A reply cut by the token cap is not a rewrite: finish_reason "length", or (Nemotron-CC) a
 * completion within {@code margin} tokens of max_tokens, which catches servers that report
 * "stop" when a stop sequence and the cap coincide. When the call's facts are unknown (offline
 * validation of a dataset), a last line of prose that stops without closing punctuation is the
 * remaining evidence; lines of fewer than four words (code, list items, answers) are not judged.
 */
public record TruncationCheck(int margin) implements OutputCheck {
    public static final String REASON = "truncation";

    @Override
    public Optional<Rejection> check(ValidationSubject s) {
        if ("length".equals(s.finishReason())) {
            return Optional.of(new Rejection(REASON, "finish_reason=length"));
        }
        if (s.completionTokens() != null && s.maxTokens() != null && s.completionTokens() >= s.maxTokens() - margin) {
            return Optional.of(new Rejection(REASON, s.completionTokens() + " completion tokens, cap " + s.maxTokens()
                    + " - margin " + margin));
        }
        if (s.finishReason() == null && s.completionTokens() == null && endsMidSentence(s.output())) {
            return Optional.of(new Rejection(REASON, "ends mid-sentence (finish_reason unknown)"));
        }
        return Optional.empty();
    }

    static boolean endsMidSentence(String output) {
        String t = output.strip();
        int nl = t.lastIndexOf('\n');
        String last = nl < 0 ? t : t.substring(nl + 1).strip();
        if (last.isEmpty() || last.split("\\s+").length < 4) {
            return false;
        }
        char end = last.charAt(last.length() - 1);
        return Character.isLetterOrDigit(end) || end == ',';
    }
}
