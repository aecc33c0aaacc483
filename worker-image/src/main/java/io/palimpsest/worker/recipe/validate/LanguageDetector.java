package io.palimpsest.worker.recipe.validate;

import com.github.pemistahl.lingua.api.Language;
import com.github.pemistahl.lingua.api.LanguageDetectorBuilder;
import io.palimpsest.worker.recipe.TextMeasures;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/**
 * Lingua, limited to the languages pretraining corpora mostly hold: each loaded language costs
 * memory and start-up time, and restricting the set also makes the choice among them sharper.
 * Low-accuracy mode (trigrams only) is enough for whole paragraphs, and several times faster.
 */
final class LanguageDetector {
    private static final class Holder {
        static final com.github.pemistahl.lingua.api.LanguageDetector DETECTOR = LanguageDetectorBuilder.fromLanguages(
                        Language.ENGLISH,
                        Language.FRENCH,
                        Language.GERMAN,
                        Language.SPANISH,
                        Language.ITALIAN,
                        Language.PORTUGUESE,
                        Language.DUTCH,
                        Language.RUSSIAN,
                        Language.POLISH,
                        Language.TURKISH,
                        Language.CHINESE,
                        Language.JAPANESE,
                        Language.KOREAN,
                        Language.ARABIC,
                        Language.SWEDISH)
                .withLowAccuracyMode()
                .build();
    }

    private LanguageDetector() {}

    /** About two sentences: Lingua is reliable on prose well below this, and the cost stays flat. */
    static final int SAMPLE_CHARS = 400;

    /** Text read before stripping: enough for a sample of prose after a header of badges and links. */
    static final int READ_CHARS = 8 * SAMPLE_CHARS;

    /** Fewer prose words than this (after stripping) is too little to tell a language by. */
    static final int MIN_PROSE_WORDS = 12;

    /**
     * When the runner-up's confidence (relative to the winner's 1.0) is at least this, the detector is
     * unsure. On prose the runner-up stays near 0.75 (English against Swedish, Dutch against German);
     * on text that is mostly names, code or links it climbs to 0.99.
     */
    static final double UNSURE_RUNNER_UP = 0.95;

    /**
     * ISO 639-1 code of the prose of the text's opening (URLs, code and markup removed, then the first
     * {@link #SAMPLE_CHARS} characters, cut at a word boundary), or empty when there is too little prose
     * or the detector is unsure: a wrong guess here rejects a good rewrite, so doubt passes. Detection
     * cost grows with length and dominated validation; a reply that switches language after its
     * opening goes unnoticed.
     */
    static Optional<String> isoCode(String text) {
        String prose = ProseText.of(text.length() <= READ_CHARS ? text : text.substring(0, READ_CHARS));
        if (TextMeasures.wordCount(prose) < MIN_PROSE_WORDS) {
            return Optional.empty();
        }
        SortedMap<Language, Double> confidence = Holder.DETECTOR.computeLanguageConfidenceValues(sample(prose));
        if (confidence.isEmpty()) {
            return Optional.empty();
        }
        Iterator<Map.Entry<Language, Double>> ranked = confidence.entrySet().iterator();
        Language best = ranked.next().getKey();
        if (best == Language.UNKNOWN || (ranked.hasNext() && ranked.next().getValue() >= UNSURE_RUNNER_UP)) {
            return Optional.empty();
        }
        return Optional.of(best.getIsoCode639_1().toString().toLowerCase(Locale.ROOT));
    }

    static String sample(String text) {
        if (text.length() <= SAMPLE_CHARS) {
            return text;
        }
        int cut = text.lastIndexOf(' ', SAMPLE_CHARS);
        return text.substring(0, cut > SAMPLE_CHARS / 2 ? cut : SAMPLE_CHARS);
    }
}
