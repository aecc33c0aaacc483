package io.palimpsest.worker.recipe;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Word counts and word lists, one definition for filters, validators (lengthRatio, length,
 * repetition, language, echo), program thresholds and the ratios preview and show print.
 *
 * <p>A word is a run of letters and digits, with an apostrophe followed by letters kept inside it
 * ("don't", "l’eau"). Chinese and Japanese put no space between words, so each Han, hiragana and
 * katakana character is a word of its own (a prolonged sound mark ー belongs to the kana before it):
 * a run of them would otherwise be one word, and a page of Chinese would count as a handful.
 * Korean (Hangul) puts spaces between its words and counts as runs, like English. Thai, Lao, Khmer and
 * Myanmar also write without spaces, but their characters are letters of an alphabet (a word is
 * several, with vowel signs), so one word per character would count each word several times and
 * make every text look repetitive; they count as runs, as before.
 *
 * <p>One pass over the text, no regular expression: it is called for every document by filters and
 * for every output by several validators.
 */
public final class TextMeasures {
    /** Below this code point there is no Han, hiragana or katakana character. */
    private static final int FIRST_UNSPACED = 0x2E80;

    private TextMeasures() {}

    public static int wordCount(String text) {
        int n = 0;
        int i = 0;
        int length = text.length();
        while (i < length) {
            int start = wordStart(text, i);
            if (start == length) {
                break;
            }
            i = wordEnd(text, start);
            n++;
        }
        return n;
    }

    /** Lower-cased words, in order. */
    public static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int length = text.length();
        while (i < length) {
            int start = wordStart(text, i);
            if (start == length) {
                break;
            }
            i = wordEnd(text, start);
            out.add(text.substring(start, i).toLowerCase(Locale.ROOT));
        }
        return out;
    }

    /** Where the next word begins at or after {@code from}, or the text's length. */
    private static int wordStart(String text, int from) {
        int i = from;
        int length = text.length();
        while (i < length) {
            char c = text.charAt(i);
            if (c < 0x80) {
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
                    return i;
                }
                i++;
                continue;
            }
            int cp = text.codePointAt(i);
            if (letterOrDigit(cp)) {
                return i;
            }
            i += Character.charCount(cp);
        }
        return length;
    }

    /** The end of the word that begins at {@code start}. */
    private static int wordEnd(String text, int start) {
        int length = text.length();
        int first = text.codePointAt(start);
        int i = start + Character.charCount(first);
        if (unspaced(first)) {
            while (i < length && prolongedSoundMark(text.charAt(i))) {
                i++;
            }
            return i;
        }
        i = run(text, i, false);
        while (i + 1 < length && apostrophe(text.charAt(i))) {
            int after = run(text, i + 1, true);
            if (after == i + 1) {
                break;
            }
            i = after;
        }
        return i;
    }

    /**
     * The end of a run of letters and digits (only letters if {@code lettersOnly}) from {@code i},
     * stopping before a Han, hiragana or katakana character, which is a word of its own.
     */
    private static int run(String text, int i, boolean lettersOnly) {
        int length = text.length();
        while (i < length) {
            char c = text.charAt(i);
            if (c < 0x80) {
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!lettersOnly && c >= '0' && c <= '9')) {
                    i++;
                    continue;
                }
                return i;
            }
            int cp = text.codePointAt(i);
            if (unspaced(cp) || !(lettersOnly ? Character.isLetter(cp) : letterOrDigit(cp))) {
                return i;
            }
            i += Character.charCount(cp);
        }
        return i;
    }

    private static boolean apostrophe(char c) {
        return c == '\'' || c == '’';
    }

    private static boolean prolongedSoundMark(char c) {
        return c == 'ー' || c == 'ｰ';
    }

    /** A letter or a number of any kind (Unicode's L and N categories). */
    private static boolean letterOrDigit(int cp) {
        if (Character.isLetter(cp)) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.DECIMAL_DIGIT_NUMBER
                || type == Character.LETTER_NUMBER
                || type == Character.OTHER_NUMBER;
    }

    /** A Han, hiragana or katakana character: a word of its own. */
    static boolean unspaced(int cp) {
        if (cp < FIRST_UNSPACED) {
            return false;
        }
        if (cp >= 0x4E00 && cp <= 0x9FFC) {
            return true; // the unified ideographs, most of any Chinese or Japanese text
        }
        if ((cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x30A1 && cp <= 0x30FA)) {
            return true; // the kana
        }
        Character.UnicodeScript script = Character.UnicodeScript.of(cp);
        return script == Character.UnicodeScript.HAN
                || script == Character.UnicodeScript.HIRAGANA
                || script == Character.UnicodeScript.KATAKANA;
    }
}
