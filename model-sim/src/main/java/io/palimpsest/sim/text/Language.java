package io.palimpsest.sim.text;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;

/** The languages the rewrite knows words of; anything else is {@link #OTHER}. */
public enum Language {
    ENGLISH(Set.of("the", "and", "of", "to", "is", "in", "that", "it", "was", "for", "with", "are", "this", "on")),
    FRENCH(Set.of("le", "la", "les", "et", "des", "est", "une", "pour", "dans", "que", "du", "qui", "sur", "au")),
    GERMAN(Set.of("der", "die", "das", "und", "ist", "nicht", "ein", "eine", "zu", "mit", "den", "von", "sich", "auf")),
    OTHER(Set.of());

    private final Set<String> markers;

    Language(Set<String> markers) {
        this.markers = markers;
    }

    /** The language whose most frequent function words occur most often; OTHER when none occur. */
    public static Language guess(String text) {
        int[] hits = new int[values().length];
        Matcher m = TextStats.WORD.matcher(text);
        while (m.find()) {
            String w = m.group().toLowerCase(Locale.ROOT);
            for (Language l : values()) {
                if (l.markers.contains(w)) {
                    hits[l.ordinal()]++;
                }
            }
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
