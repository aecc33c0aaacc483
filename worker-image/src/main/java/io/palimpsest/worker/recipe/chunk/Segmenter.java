package io.palimpsest.worker.recipe.chunk;

import io.palimpsest.api.recipe.Chunking;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts text into the smallest pieces a chunk may start or end at. Pieces keep their trailing
 * separator (newline or the space after a sentence), so concatenating them gives the text back.
 */
public final class Segmenter {
    /**
     * A sentence ends at . ! ? (optionally followed by closing quotes or brackets) and whitespace; at
     * the CJK full stops 。．｡ and ！？ (with their closing quotes and brackets) with or without
     * whitespace, since Chinese and Japanese put none between sentences; and at line breaks.
     */
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?][\"')\\]]?)\\s+"
            + "|(?<=[。．｡！？][」』〕】》〉”’\"'）)\\]]?)(?![」』〕】》〉”’\"'）)\\]0-9０-９])\\s*"
            + "|(?:\\r?\\n)+");

    private static final Pattern WORD_END = Pattern.compile("(?<=\\S)\\s+");

    private Segmenter() {}

    public static List<String> split(String text, Chunking.SplitOn on) {
        return on == Chunking.SplitOn.sentence ? cutAfter(text, SENTENCE_END) : lines(text);
    }

    static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                out.add(text.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < text.length()) {
            out.add(text.substring(start));
        }
        return out;
    }

    static List<String> sentences(String text) {
        return cutAfter(text, SENTENCE_END);
    }

    static List<String> words(String text) {
        return cutAfter(text, WORD_END);
    }

    private static List<String> cutAfter(String text, Pattern separator) {
        List<String> out = new ArrayList<>();
        Matcher m = separator.matcher(text);
        int start = 0;
        while (m.find()) {
            if (m.end() > start) {
                out.add(text.substring(start, m.end()));
                start = m.end();
            }
        }
        if (start < text.length()) {
            out.add(text.substring(start));
        }
        return out;
    }
}
