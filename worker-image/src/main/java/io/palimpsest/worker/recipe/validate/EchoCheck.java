package io.palimpsest.worker.recipe.validate;

import io.palimpsest.worker.recipe.TextMeasures;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The model copied instead of rewriting: Jaccard similarity of word trigram sets at or above the
 * threshold. A paraphrase changes enough words that most trigrams differ (the simulator's
 * faithful rewrites stay under 0.5); a copy, or a copy with a word or two changed, stays near 1.
 */
public record EchoCheck(double threshold) implements OutputCheck {
    public static final String REASON = "echo";
    public static final double DEFAULT_THRESHOLD = 0.8;

    @Override
    public Optional<Rejection> check(ValidationSubject s) {
        double similarity = similarity(s.source(), s.output());
        if (similarity >= threshold) {
            return Optional.of(new Rejection(REASON, String.format(java.util.Locale.ROOT,
                    "trigram similarity %.2f >= %.2f", similarity, threshold)));
        }
        return Optional.empty();
    }

    public static double similarity(String a, String b) {
        Set<String> x = trigrams(TextMeasures.words(a));
        Set<String> y = trigrams(TextMeasures.words(b));
        if (x.isEmpty() || y.isEmpty()) {
            return 0;
        }
        Set<String> union = new HashSet<>(x);
        union.addAll(y);
        x.retainAll(y);
        return (double) x.size() / union.size();
    }

    private static Set<String> trigrams(List<String> words) {
        Set<String> out = new HashSet<>();
        for (int i = 0; i + 3 <= words.size(); i++) {
            out.add(words.get(i) + ' ' + words.get(i + 1) + ' ' + words.get(i + 2));
        }
        return out;
    }
}
