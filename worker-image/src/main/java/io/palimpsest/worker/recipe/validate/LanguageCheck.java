package io.palimpsest.worker.recipe.validate;

import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.TextMeasures;
import java.util.Locale;
import java.util.Optional;

/**
 * The output must be in the expected language: the one the recipe names, else the source's.
 * Short texts are not judged: detection below a couple of sentences is a guess.
 */
public record LanguageCheck(String expected) implements OutputCheck {
    public static final ItemReason REASON = ItemReason.LANGUAGE;
    private static final int MIN_WORDS = 12;

    @Override
    public ItemReason reason() {
        return REASON;
    }

    /** The language found in the output and the one expected, or why the output was not judged. */
    @Override
    public Measure measure(ValidationSubject s) {
        if (TextMeasures.wordCount(s.output()) < MIN_WORDS) {
            return Measure.note("not judged: the output has fewer than " + MIN_WORDS + " words");
        }
        Optional<String> want = expected(s);
        if (want.isEmpty()) {
            return Measure.note("not judged: the source's language is not known (fewer than " + MIN_WORDS
                    + " words, or not detected)");
        }
        Optional<String> got = LanguageDetector.isoCode(s.output());
        return Measure.note("output " + got.orElse("not detected") + ", expected " + want.get()
                + (expected != null ? "" : " (the source's)"));
    }

    private Optional<String> expected(ValidationSubject s) {
        return expected != null
                ? Optional.of(expected.toLowerCase(Locale.ROOT))
                : (TextMeasures.wordCount(s.source()) < MIN_WORDS
                        ? Optional.empty()
                        : LanguageDetector.isoCode(s.source()));
    }

    @Override
    public Optional<CheckFailure> check(ValidationSubject s) {
        if (TextMeasures.wordCount(s.output()) < MIN_WORDS) {
            return Optional.empty();
        }
        Optional<String> want = expected(s);
        if (want.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> got = LanguageDetector.isoCode(s.output());
        if (got.isPresent() && !got.get().equals(want.get())) {
            return Optional.of(new CheckFailure(REASON, "output is " + got.get() + ", expected " + want.get()));
        }
        return Optional.empty();
    }
}
