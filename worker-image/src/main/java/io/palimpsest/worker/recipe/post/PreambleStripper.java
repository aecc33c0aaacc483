package io.palimpsest.worker.recipe.post;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drops a chat model's lead-in ("Sure! Here is the rewritten text:"). WRAP cut at the first blank
 * line or colon; cutting blindly loses the first paragraph of every clean reply, so the cut is
 * made only when the lead-in looks like one.
 */
public final class PreambleStripper {
    private static final int MAX_LEAD_IN_CHARS = 200;
    private static final Pattern ANNOUNCES = Pattern.compile(
            "(?i)^\\W*(sure|certainly|of course|absolutely|okay|ok|great|alright|here(?:'s| is| are)|below is|the following is|"
                    + "i(?:'ve| have) (?:rewritten|paraphrased|rephrased)|this is a (?:rewritten|paraphrased|rephrased))\\b");
    private static final Pattern PLEASANTRY =
            Pattern.compile("(?i)^\\W*(sure|certainly|of course|absolutely|okay|ok|great|alright)\\b");
    private static final Pattern REWRITE_WORDS = Pattern.compile(
            "(?i)\\b(rewrit\\w*|paraphras\\w*|rephras\\w*|version|summary|passage|text|answer|translation)\\b");
    private static final Pattern BLANK_LINE = Pattern.compile("\\n[ \\t]*\\n");

    private PreambleStripper() {}

    public static String strip(String text) {
        String t = text.stripLeading();
        Matcher blank = BLANK_LINE.matcher(t);
        int newline = t.indexOf('\n');
        int end = blank.find() ? blank.start() : newline;
        if (end >= 0) {
            String first = t.substring(0, end);
            if (first.length() <= MAX_LEAD_IN_CHARS && isLeadIn(first)) {
                return t.substring(end).stripLeading();
            }
        }
        // "Here is the paraphrase: The actual text..." on one line.
        String line = newline < 0 ? t : t.substring(0, newline);
        int colon = line.indexOf(':');
        if (colon > 0 && colon <= MAX_LEAD_IN_CHARS && isLeadIn(line.substring(0, colon + 1))) {
            return t.substring(colon + 1).stripLeading();
        }
        return t;
    }

    /**
     * A line is a lead-in when it announces the answer and ends in a colon, or is a bare
     * pleasantry ("Sure!"), or a pleasantry that names the rewrite ("Certainly, here is the
     * paraphrase."). "Here is what happened at the harbour." is content, and stays.
     */
    public static boolean isLeadIn(String line) {
        String l = line.strip();
        if (l.isEmpty()) {
            return false;
        }
        boolean announces = ANNOUNCES.matcher(l).find();
        boolean namesRewrite = REWRITE_WORDS.matcher(l).find();
        if (l.endsWith(":")) {
            return announces || (namesRewrite && l.split("\\s+").length <= 12);
        }
        return announces && (l.length() < 25 || (PLEASANTRY.matcher(l).find() && namesRewrite && l.length() < 120));
    }
}
