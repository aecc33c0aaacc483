package io.palimpsest.sim.text;

/**
 * The word rule shared by the rewrite and its measures, as a hand-written scanner (regexes with
 * Unicode classes cost more than the rest of a request): a word is a run of letters, marks and
 * digits, with inner apostrophes ("don't", "l'eau").
 */
final class Words {
    private Words() {}

    static boolean isWordChar(int codePoint) {
        int type = Character.getType(codePoint);
        return (type >= Character.UPPERCASE_LETTER && type <= Character.OTHER_NUMBER);
    }

    private static boolean isApostrophe(char c) {
        return c == '\'' || c == '’';
    }

    /** Index of the first word character at or after {@code from}, or -1. */
    static int nextWordStart(String s, int from) {
        int i = from;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (isWordChar(cp)) {
                return i;
            }
            i += Character.charCount(cp);
        }
        return -1;
    }

    /** End (exclusive) of the word that starts at {@code start}. */
    static int wordEnd(String s, int start) {
        int i = start;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (isWordChar(cp)) {
                i += Character.charCount(cp);
            } else if (isApostrophe(s.charAt(i)) && i + 1 < s.length() && isWordChar(s.codePointAt(i + 1))) {
                i++;
            } else {
                break;
            }
        }
        return i;
    }

    /** A 64-bit hash of the lower-cased word, without building the string. */
    static long lowerHash(String s, int start, int end) {
        long h = 0xcbf29ce484222325L;
        for (int i = start; i < end; i++) {
            h ^= Character.toLowerCase(s.charAt(i));
            h *= 0x100000001b3L;
        }
        return h;
    }

    static boolean isAllLowerCase(String word) {
        if (word.isEmpty()) {
            return false;
        }
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            if (!Character.isLowerCase(cp)) {
                return false;
            }
            i += Character.charCount(cp);
        }
        return true;
    }
}
