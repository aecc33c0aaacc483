package io.palimpsest.sim.text;

import java.util.Locale;
import java.util.Set;

/** The languages the rewrite knows words of; anything else is {@link #OTHER}. */
public enum Language {
    ENGLISH(Set.of("the", "and", "of", "to", "is", "in", "that", "it", "was", "for", "with", "are", "this", "on")),
    FRENCH(Set.of("le", "la", "les", "et", "des", "est", "une", "pour", "dans", "que", "du", "qui", "sur", "au")),
    GERMAN(Set.of("der", "die", "das", "und", "ist", "nicht", "ein", "eine", "zu", "mit", "den", "von", "sich", "auf")),
    OTHER(Set.of());

    private static final int MAX_MARKER_LENGTH = 5;
    private final Set<String> markers;

    Language(Set<String> markers) {
        this.markers = markers;
    }

    /** The language whose most frequent function words occur most often; OTHER when none occur. */
    public static Language guess(String text) {
        int[] hits = new int[values().length];
        int i = Words.nextWordStart(text, 0);
        while (i >= 0) {
            int end = Words.wordEnd(text, i);
            if (end - i <= MAX_MARKER_LENGTH) {
                String w = text.substring(i, end).toLowerCase(Locale.ROOT);
                for (Language l : values()) {
                    if (l.markers.contains(w)) {
                        hits[l.ordinal()]++;
                    }
                }
            }
            i = Words.nextWordStart(text, end);
        }
        Language best = OTHER;
        int bestHits = 0;
        for (Language l : values()) {
            if (hits[l.ordinal()] > bestHits) {
                best = l;
                bestHits = hits[l.ordinal()];
            }
        }
        return best;
    }
}
