package io.palimpsest.worker.recipe.post;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drops a chat model's lead-in ("Sure! Here is the rewritten text:"). WRAP cut at the first blank
 * line or colon; cutting blindly loses the first paragraph of every clean reply, so the cut is
 * made only when the lead-in looks like one: short, and either announcing the answer or ending
 * in a colon.
 */
public final class PreambleStripper {
    private static final int MAX_LEAD_IN_CHARS = 200;
    private static final Pattern ANNOUNCES = Pattern.compile(
            "(?i)^\\W*(sure|certainly|of course|absolutely|okay|ok|great|alright|here(?:'s| is| are)|below is|the following is|"
                    + "i(?:'ve| have) (?:rewritten|paraphrased|rephrased)|this is a (?:rewritten|paraphrased|rephrased))\\b");
    private static final Pattern REWRITE_WORDS = Pattern.compile(
            "(?i)\\b(rewrit\\w*|paraphras\\w*|rephras\\w*|version|summary|passage|text|answer|translation)\\b");

    private PreambleStripper() {
    }

    public static String strip(String text) {
        String t = text.stripLeading();
        int blank = indexOfBlankLine(t);
        int newline = t.indexOf('\n');
        int end = blank >= 0 ? blank : newline;
        String first = end < 0 ? t : t.substring(0, end);
        if (first.length() <= MAX_LEAD_IN_CHARS && isLeadIn(first)) {
            return end < 0 ? "" : t.substring(end).stripLeading();
        }
        // "Here is the paraphrase: The actual text..." on one line.
        int colon = first.indexOf(':');
        if (colon > 0 && colon <= MAX_LEAD_IN_CHARS && isLeadIn(first.substring(0, colon + 1))) {
            return t.substring(colon + 1).stripLeading();
        }
        return t;
    }

    public static boolean isLeadIn(String line) {
        String l = line.strip();
        if (l.isEmpty()) {
            return false;
        }
        Matcher announces = ANNOUNCES.matcher(l);
        if (announces.find()) {
            return l.endsWith(":") || REWRITE_WORDS.matcher(l).find() || l.length() < 40;
        }
        return l.endsWith(":") && REWRITE_WORDS.matcher(l).find() && l.split("\\s+").length <= 12;
    }

    private static int indexOfBlankLine(String t) {
        Matcher m = Pattern.compile("\\n[ \\t]*\\n").matcher(t);
        return m.find() ? m.start() : -1;
    }
}
