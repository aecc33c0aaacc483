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
        Set<Long> out = new HashSet<>();
        long a = 0;
        long b = 0;
        int n = 0;
        int i = Words.nextWordStart(text, 0);
        while (i >= 0) {
            int end = Words.wordEnd(text, i);
            long c = Words.lowerHash(text, i, end);
            if (++n >= 3) {
                out.add(combine(a, b, c));
            }
            a = b;
            b = c;
            i = Words.nextWordStart(text, end);
        }
        return new TrigramSet(out);
    }

    static long combine(long a, long b, long c) {
        return Hashing.mix(a * 31 * 31 + b * 31 + c);
    }

    static long wordHash(String lowerCaseWord) {
        return Words.lowerHash(lowerCaseWord, 0, lowerCaseWord.length());
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
