package io.palimpsest.worker.recipe.validate;

import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.TextMeasures;
import java.util.Locale;
import java.util.Optional;

/** Output words / source words must lie in [min, max]: catches summaries of rewrites and padding. */
public record LengthRatioCheck(Double min, Double max) implements OutputCheck {
    public static final ItemReason REASON = ItemReason.LENGTH_RATIO;

    @Override
    public Measure measure(ValidationSubject s) {
        int sourceWords = TextMeasures.wordCount(s.source());
        return sourceWords == 0
                ? null
                : new Measure((double) TextMeasures.wordCount(s.output()) / sourceWords, min, max);
    }

    @Override
    public ItemReason reason() {
        return REASON;
    }

    @Override
    public Optional<CheckFailure> check(ValidationSubject s) {
        int sourceWords = TextMeasures.wordCount(s.source());
        if (sourceWords == 0) {
            return Optional.empty();
        }
        double ratio = (double) TextMeasures.wordCount(s.output()) / sourceWords;
        if ((min != null && ratio < min) || (max != null && ratio > max)) {
            return Optional.of(new CheckFailure(
                    REASON,
                    String.format(
                            Locale.ROOT,
                            "length ratio %.2f outside [%s, %s]",
                            ratio,
                            min == null ? "-" : min,
                            max == null ? "-" : max),
                    ratio,
                    min != null && ratio < min ? min : max));
        }
        return Optional.empty();
    }
}
