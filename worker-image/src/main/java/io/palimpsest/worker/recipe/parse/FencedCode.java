package io.palimpsest.worker.recipe.parse;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds fenced code blocks (```lang ... ```) in a reply. */
public final class FencedCode {
    private static final Pattern FENCE = Pattern.compile(
            "(?m)^[ \\t]*(`{3,}|~{3,})[ \\t]*([\\w+#.-]*)[^\\n]*\\n(.*?)^[ \\t]*\\1[ \\t]*$", Pattern.DOTALL);

    private FencedCode() {}

    /**
     * The first block, preferring one whose language tag equals {@code language} (case-insensitive)
     * when given; an unterminated last fence counts as a block that runs to the end.
     */
    public static Optional<String> first(String reply, String language) {
        Matcher m = FENCE.matcher(reply);
        String firstAny = null;
        while (m.find()) {
            String body = m.group(3);
            if (language == null || language.isBlank() || language.equalsIgnoreCase(m.group(2))) {
                return Optional.of(stripFinalNewline(body));
            }
            if (firstAny == null) {
                firstAny = body;
            }
        }
        if (firstAny != null) {
            return Optional.of(stripFinalNewline(firstAny));
        }
        Matcher open = Pattern.compile("(?m)^[ \\t]*```[\\w+#.-]*[^\\n]*\\n").matcher(reply);
        if (open.find()) {
            return Optional.of(stripFinalNewline(reply.substring(open.end())));
        }
        return Optional.empty();
    }

    private static String stripFinalNewline(String s) {
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }
}
