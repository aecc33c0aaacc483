package io.palimpsest.worker.recipe.program;

import java.util.Arrays;
import java.util.List;

/**
 * Lines as the model sees them in program mode: "1: first line". Numbers start at 1 and are the
 * ones remove_lines refers to.
 */
public final class NumberedLines {
    private NumberedLines() {}

    public static List<String> lines(String text) {
        if (text.isEmpty()) {
            return List.of();
        }
        return Arrays.asList(text.split("\n", -1));
    }

    public static String render(String text) {
        List<String> lines = lines(text);
        StringBuilder sb = new StringBuilder(text.length() + lines.size() * 5);
        for (int i = 0; i < lines.size(); i++) {
            if (i > 0) {
                sb.append('\n');
            }
            sb.append(i + 1).append(": ").append(lines.get(i));
        }
        return sb.toString();
    }
}
