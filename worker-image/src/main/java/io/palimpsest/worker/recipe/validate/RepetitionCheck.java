package io.palimpsest.worker.recipe.validate;

import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.TextMeasures;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Degenerate loops: the share of word 4-grams that repeat an earlier one. A model stuck in a loop
 * repeats a phrase until the cap, pushing the share towards 1; prose stays well under 0.1, and
 * even list-like QA output rarely passes 0.2. Only the output's own structure is judged, not the
 * source's, so a source that repeats itself does not excuse a looping rewrite.
 */
public record RepetitionCheck(double threshold) implements OutputCheck {
    public static final ItemReason REASON = ItemReason.REPETITION;
    public static final double DEFAULT_THRESHOLD = 0.3;
    private static final int N = 4;
    /** Below this many words, repeats are too few to tell a loop from a refrain. */
    private static final int MIN_WORDS = 24;

    @Override
    public Measure measure(ValidationSubject s) {
        return new Measure(repeatedShare(TextMeasures.words(s.output())), null, threshold);
    }

    @Override
    public ItemReason reason() {
        return REASON;
    }

    @Override
    public Optional<CheckFailure> check(ValidationSubject s) {
        double share = repeatedShare(TextMeasures.words(s.output()));
        if (share > threshold) {
            return Optional.of(new CheckFailure(
                    REASON,
                    String.format(
                            Locale.ROOT, "%.0f%% of word 4-grams repeat (limit %.0f%%)", share * 100, threshold * 100),
                    share,
                    threshold));
        }
        return Optional.empty();
    }

    static double repeatedShare(List<String> words) {
        if (words.size() < MIN_WORDS) {
            return 0;
        }
        Set<String> seen = new HashSet<>();
        int total = 0;
        int repeated = 0;
        for (int i = 0; i + N <= words.size(); i++) {
            String gram = String.join(" ", words.subList(i, i + N));
            total++;
            if (!seen.add(gram)) {
                repeated++;
            }
        }
        return total == 0 ? 0 : (double) repeated / total;
    }
}
