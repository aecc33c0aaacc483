package io.palimpsest.worker.recipe.validate;

import io.palimpsest.worker.format.ItemReason;
import java.util.Optional;

/**
 * A reply cut by the token cap is not a rewrite: finish_reason "length", or (Nemotron-CC) a
 * completion within {@code margin} tokens of max_tokens, which catches servers that report
 * "stop" when a stop sequence and the cap coincide. When the call's facts are unknown (offline
 * validation of a dataset), an output that stops without sentence-final punctuation is the
 * remaining evidence, when its source itself ends on a full sentence (so rewrites of fragments,
 * lists and code are not judged by it).
 */
public record TruncationCheck(int margin) implements OutputCheck {
    public static final ItemReason REASON = ItemReason.TRUNCATION;

    @Override
    public Measure measure(ValidationSubject s) {
        if (s.completionTokens() == null) {
            return null;
        }
        return new Measure(
                s.completionTokens().doubleValue(),
                null,
                s.maxTokens() == null ? null : (double) (s.maxTokens() - margin - 1));
    }

    @Override
    public ItemReason reason() {
        return REASON;
    }

    @Override
    public Optional<CheckFailure> check(ValidationSubject s) {
        if ("length".equals(s.finishReason())) {
            return Optional.of(new CheckFailure(REASON, "finish_reason=length"));
        }
        if (s.completionTokens() != null && s.maxTokens() != null && s.completionTokens() >= s.maxTokens() - margin) {
            return Optional.of(new CheckFailure(
                    REASON,
                    s.completionTokens() + " completion tokens, cap " + s.maxTokens() + " - margin " + margin,
                    s.completionTokens().doubleValue(),
                    (double) (s.maxTokens() - margin)));
        }
        if (s.finishReason() == null
                && s.completionTokens() == null
                && endsSentence(s.source())
                && !endsSentence(s.output())) {
            String t = s.output().strip();
            return Optional.of(new CheckFailure(
                    REASON, "ends mid-sentence: \"..." + t.substring(Math.max(0, t.length() - 30)) + "\""));
        }
        return Optional.empty();
    }

    /** Ends with sentence-final punctuation, a closing quote or bracket, or a closing code fence. */
    static boolean endsSentence(String text) {
        String t = text.strip();
        if (t.isEmpty() || t.endsWith("```")) {
            return true;
        }
        return ".!?…\"'”’)]".indexOf(t.charAt(t.length() - 1)) >= 0;
    }
}
