package io.palimpsest.worker.recipe.validate;

import io.palimpsest.worker.recipe.TextMeasures;

import java.util.Optional;

/** Output words within [min, max]. */
public record LengthCheck(Double min, Double max) implements OutputCheck {
    public static final String REASON = "length";

    @Override
    public Measure measure(ValidationSubject s) {
        return new Measure((double) TextMeasures.wordCount(s.output()), min, max);
    }

    @Override
    public Optional<Rejection> check(ValidationSubject s) {
        int words = TextMeasures.wordCount(s.output());
        if ((min != null && words < min) || (max != null && words > max)) {
            return Optional.of(new Rejection(REASON, words + " words outside [" + (min == null ? "-" : min) + ", "
                    + (max == null ? "-" : max) + "]", (double) words, min != null && words < min ? min : max));
        }
        return Optional.empty();
    }
}
