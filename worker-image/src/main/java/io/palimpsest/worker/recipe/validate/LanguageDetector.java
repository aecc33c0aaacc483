package io.palimpsest.worker.recipe.validate;

import com.github.pemistahl.lingua.api.Language;
import com.github.pemistahl.lingua.api.LanguageDetectorBuilder;

import java.util.Locale;
import java.util.Optional;

/**
 * Lingua, limited to the languages pretraining corpora mostly hold: each loaded language costs
 * memory and start-up time, and restricting the set also makes the choice among them sharper.
 * Low-accuracy mode (trigrams only) is enough for whole paragraphs, and several times faster.
 */
final class LanguageDetector {
    private static final class Holder {
        static final com.github.pemistahl.lingua.api.LanguageDetector DETECTOR = LanguageDetectorBuilder.fromLanguages(
                        Language.ENGLISH, Language.FRENCH, Language.GERMAN, Language.SPANISH, Language.ITALIAN,
                        Language.PORTUGUESE, Language.DUTCH, Language.RUSSIAN, Language.POLISH, Language.TURKISH,
                        Language.CHINESE, Language.JAPANESE, Language.KOREAN, Language.ARABIC, Language.SWEDISH)
                .withLowAccuracyMode()
                .build();
    }

    private LanguageDetector() {
    }

    /** About two sentences: Lingua is reliable on prose well below this, and the cost stays flat. */
    static final int SAMPLE_CHARS = 400;

    /**
     * ISO 639-1 code of the text's opening (the first {@link #SAMPLE_CHARS} characters, cut at a
     * word boundary), or empty when it is too ambiguous to tell. Detection cost grows with length
     * and dominated validation; a reply that switches language after its opening goes unnoticed.
     */
    static Optional<String> isoCode(String text) {
        Language l = Holder.DETECTOR.detectLanguageOf(sample(text));
        if (l == Language.UNKNOWN) {
            return Optional.empty();
        }
        return Optional.of(l.getIsoCode639_1().toString().toLowerCase(Locale.ROOT));
    }

    static String sample(String text) {
        if (text.length() <= SAMPLE_CHARS) {
            return text;
        }
        int cut = text.lastIndexOf(' ', SAMPLE_CHARS);
        return text.substring(0, cut > SAMPLE_CHARS / 2 ? cut : SAMPLE_CHARS);
    }
}
