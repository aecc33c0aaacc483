package io.palimpsest.worker.recipe.post;

import java.util.regex.Pattern;

/**
 * Turns markdown-flavoured replies into plain pretraining text (Nemotron-CC): no emphasis marks,
 * no heading hashes, no quote markers, bullets normalised to "- ", no wrapping quotation marks.
 */
public final class MarkdownStripper {
    private static final Pattern BOLD = Pattern.compile("(\\*\\*|__)(?=\\S)(.+?)(?<=\\S)\\1");
    private static final Pattern ITALIC = Pattern.compile("(?<![\\w*])([*_])(?=\\S)([^*_\\n]+?)(?<=\\S)\\1(?![\\w*])");
    private static final Pattern HEADING = Pattern.compile("(?m)^[ \\t]*#{1,6}[ \\t]+");
    private static final Pattern QUOTE = Pattern.compile("(?m)^[ \\t]*>[ \\t]?");
    private static final Pattern BULLET = Pattern.compile("(?m)^([ \\t]*)(?:[*+•‣◦]|-)[ \\t]+");
    private static final Pattern INLINE_CODE = Pattern.compile("`([^`\\n]+)`");
    private static final Pattern RULE = Pattern.compile("(?m)^[ \\t]*([-*_])(?:[ \\t]*\\1){2,}[ \\t]*$\\n?");

    private MarkdownStripper() {}

    public static String strip(String text) {
        String t = RULE.matcher(text).replaceAll("");
        t = HEADING.matcher(t).replaceAll("");
        t = QUOTE.matcher(t).replaceAll("");
        t = BULLET.matcher(t).replaceAll("$1- ");
        t = BOLD.matcher(t).replaceAll("$2");
        t = ITALIC.matcher(t).replaceAll("$2");
        t = INLINE_CODE.matcher(t).replaceAll("$1");
        t = t.strip();
        if (t.length() >= 2
                && ((t.startsWith("\"") && t.endsWith("\"")) || (t.startsWith("“") && t.endsWith("”")))
                && t.indexOf('"', 1) == t.length() - 1) {
            t = t.substring(1, t.length() - 1).strip();
        }
        return t;
    }
}
