package io.palimpsest.worker.recipe.validate;

import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.TextMeasures;
import java.util.Optional;

/** Output words within [min, max]. */
public record LengthCheck(Double min, Double max) implements OutputCheck {
    public static final ItemReason REASON = ItemReason.LENGTH;

    @Override
    public Measure measure(ValidationSubject s) {
        return new Measure((double) TextMeasures.wordCount(s.output()), min, max);
    }

    @Override
    public ItemReason reason() {
        return REASON;
    }

    @Override
    public Optional<CheckFailure> check(ValidationSubject s) {
        int words = TextMeasures.wordCount(s.output());
        if ((min != null && words < min) || (max != null && words > max)) {
            return Optional.of(new CheckFailure(
                    REASON,
                    words + " words outside [" + (min == null ? "-" : min) + ", " + (max == null ? "-" : max) + "]",
                    (double) words,
                    min != null && words < min ? min : max));
        }
        return Optional.empty();
    }
}
