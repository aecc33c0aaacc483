package io.palimpsest.worker.recipe.validate;

import java.util.Optional;

/**
 * A reply cut by the token cap is not a rewrite: finish_reason "length", or (Nemotron-CC) a
 * completion within {@code margin} tokens of max_tokens, which catches servers that report
 * "stop" when a stop sequence and the cap coincide.
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
        return Optional.empty();
    }
}
