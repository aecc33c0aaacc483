package io.palimpsest.worker.recipe.validate;

import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.TextMeasures;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The model copied instead of rewriting: the share of the output's word trigrams that also occur
 * in the source, at or above the threshold (words as {@link TextMeasures} counts them, so each
 * Chinese or Japanese character is one). A paraphrase changes enough words that most trigrams differ
 * (the simulator's faithful rewrites stay under 0.5); a copy, or a copy with a word or two changed,
 * stays near 1. Measured on the output's side rather than as Jaccard, so a copied half of
 * the source (or the source plus a line of chatter) is an echo too.
 */
public record EchoCheck(double threshold) implements OutputCheck {
    public static final ItemReason REASON = ItemReason.ECHO;
    public static final double DEFAULT_THRESHOLD = 0.8;

    @Override
    public Measure measure(ValidationSubject s) {
        return new Measure(similarity(s.source(), s.output()), null, threshold);
    }

    @Override
    public ItemReason reason() {
        return REASON;
    }

    @Override
    public Optional<CheckFailure> check(ValidationSubject s) {
        double similarity = similarity(s.source(), s.output());
        if (similarity >= threshold) {
            return Optional.of(new CheckFailure(
                    REASON,
                    String.format(
                            Locale.ROOT,
                            "%.0f%% of the output's word trigrams are in the source (limit %.0f%%)",
                            similarity * 100,
                            threshold * 100),
                    similarity,
                    threshold));
        }
        return Optional.empty();
    }

    /** Share of {@code output}'s word trigrams found in {@code source}, 0 to 1. */
    public static double similarity(String source, String output) {
        Set<String> x = trigrams(TextMeasures.words(source));
        Set<String> y = trigrams(TextMeasures.words(output));
        if (x.isEmpty() || y.isEmpty()) {
            return 0;
        }
        int outputSize = y.size();
        y.retainAll(x);
        return (double) y.size() / outputSize;
    }

    private static Set<String> trigrams(List<String> words) {
        Set<String> out = new HashSet<>();
        for (int i = 0; i + 3 <= words.size(); i++) {
            out.add(words.get(i) + ' ' + words.get(i + 1) + ' ' + words.get(i + 2));
        }
        return out;
    }
}
