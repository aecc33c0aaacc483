package io.palimpsest.worker.text;

import java.util.Locale;

/**
 * Characters that must not reach a terminal or a log line as they are, whatever text carries them
 * (documents, ids, object keys, error bodies, model replies): C0 controls, DEL, C1 controls (0x9B is
 * a CSI to many terminals), the line and paragraph separators (a line break to some readers), and
 * the bidirectional overrides and isolates that reorder what is shown. Printed as a backslash,
 * {@code u} and four hex digits.
 */
public final class ControlChars {
    private ControlChars() {}

    public static boolean unsafe(char c) {
        return c < 0x20
                || (c >= 0x7f && c <= 0x9f)
                || c == '\u2028'
                || c == '\u2029'
                || (c >= '\u202a' && c <= '\u202e')
                || (c >= '\u2066' && c <= '\u2069');
    }

    /** Appends {@code c} as its escape: {@code \u001b}. */
    public static StringBuilder escape(char c, StringBuilder out) {
        return out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
    }
}
