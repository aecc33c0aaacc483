package io.palimpsest.worker.recipe;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Word counts and word lists, one definition for filters, validators and program thresholds. */
public final class TextMeasures {
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+(?:['’][\\p{L}]+)*");

    private TextMeasures() {}

    public static int wordCount(String text) {
        Matcher m = WORD.matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** Lower-cased words, in order. */
    public static List<String> words(String text) {
        Matcher m = WORD.matcher(text);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group().toLowerCase(Locale.ROOT));
        }
        return out;
    }
}
