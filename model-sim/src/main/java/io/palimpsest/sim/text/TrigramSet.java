package io.palimpsest.sim.text;

import java.util.HashSet;
import java.util.Set;

/**
 * Word trigrams as 64-bit hashes: the rewrite checks its overlap with the source several times
 * per document, and hashing avoids building a string per trigram. A collision would only nudge
 * the internal target, never a validator's measure.
 */
final class TrigramSet {
    private final Set<Long> hashes;

    private TrigramSet(Set<Long> hashes) {
        this.hashes = hashes;
    }

    static TrigramSet of(String text) {
        Builder b = new Builder();
        int i = Words.nextWordStart(text, 0);
        while (i >= 0) {
            int end = Words.wordEnd(text, i);
            b.add(Words.lowerHash(text, i, end));
            i = Words.nextWordStart(text, end);
        }
        return b.build();
    }

    static long combine(long a, long b, long c) {
        return Hashing.mix(a * 31 * 31 + b * 31 + c);
    }

    static long wordHash(String lowerCaseWord) {
        return Words.lowerHash(lowerCaseWord, 0, lowerCaseWord.length());
    }

    /** Collects the trigrams of a word sequence as it is produced. */
    static final class Builder {
        private final Set<Long> hashes = new HashSet<>();
        private long before2;
        private long before1;
        private int words;

        /** Whether the next word completes a trigram. */
        boolean hasTwoWords() {
            return words >= 2;
        }

        /** The trigram that {@code next} would complete; only after {@link #hasTwoWords()}. */
        long peek(long next) {
            return combine(before2, before1, next);
        }

        void add(long word) {
            if (words >= 2) {
                hashes.add(combine(before2, before1, word));
            }
            before2 = before1;
            before1 = word;
            words++;
        }

        TrigramSet build() {
            return new TrigramSet(hashes);
        }
    }

    boolean contains(long trigram) {
        return hashes.contains(trigram);
    }

    double jaccard(TrigramSet other) {
        if (hashes.isEmpty() && other.hashes.isEmpty()) {
            return 0;
        }
        int common = 0;
        for (Long h : hashes) {
            if (other.hashes.contains(h)) {
                common++;
            }
        }
        return (double) common / (hashes.size() + other.hashes.size() - common);
    }
}
