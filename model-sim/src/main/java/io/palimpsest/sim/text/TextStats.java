package io.palimpsest.sim.text;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The measures the rewrite is held to, the same ones a validator would apply: words, word
 * trigrams and their Jaccard overlap, numbers and capitalised words.
 */
public final class TextStats {
    private static final Pattern NUMBER = Pattern.compile("\\p{N}+(?:[.,:/]\\p{N}+)*");
    private static final Pattern CAPITALISED =
            Pattern.compile("\\p{Lu}[\\p{L}\\p{N}\\p{M}]*(?:['’][\\p{L}\\p{N}\\p{M}]+)*");

    private TextStats() {}

    /** Words: runs of letters, marks and digits, with inner apostrophes ("don't", "l'eau"). */
    public static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        int i = Words.nextWordStart(text, 0);
        while (i >= 0) {
            int end = Words.wordEnd(text, i);
            out.add(text.substring(i, end));
            i = Words.nextWordStart(text, end);
        }
        return out;
    }

    public static int wordCount(String text) {
        int n = 0;
        int i = Words.nextWordStart(text, 0);
        while (i >= 0) {
            n++;
            i = Words.nextWordStart(text, Words.wordEnd(text, i));
        }
        return n;
    }

    /** Lower-cased word trigrams, joined by a space. */
    public static Set<String> trigrams(String text) {
        return trigrams(words(text));
    }

    public static Set<String> trigrams(List<String> words) {
        Set<String> out = new HashSet<>();
        for (int i = 2; i < words.size(); i++) {
            out.add(trigram(words.get(i - 2), words.get(i - 1), words.get(i)));
        }
        return out;
    }

    static String trigram(String a, String b, String c) {
        return (a + ' ' + b + ' ' + c).toLowerCase(Locale.ROOT);
    }

    /** |A ∩ B| / |A ∪ B| of the two texts' word trigrams; 0 when neither has one. */
    public static double trigramJaccard(String a, String b) {
        Set<String> ta = trigrams(a);
        Set<String> tb = trigrams(b);
        if (ta.isEmpty() && tb.isEmpty()) {
            return 0;
        }
        int common = 0;
        for (String t : ta) {
            if (tb.contains(t)) {
                common++;
            }
        }
        return (double) common / (ta.size() + tb.size() - common);
    }

    /** Output words per source word. */
    public static double lengthRatio(String source, String output) {
        int s = wordCount(source);
        return s == 0 ? (wordCount(output) == 0 ? 1 : Double.POSITIVE_INFINITY) : (double) wordCount(output) / s;
    }

    public static Set<String> numbers(String text) {
        return collect(NUMBER, text);
    }

    public static Set<String> capitalisedWords(String text) {
        return collect(CAPITALISED, text);
    }

    private static Set<String> collect(Pattern p, String text) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }
}
