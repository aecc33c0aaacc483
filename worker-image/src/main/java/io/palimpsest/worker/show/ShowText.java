package io.palimpsest.worker.show;

import io.palimpsest.worker.text.ControlChars;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@link ShownOutput} for the terminal: per document a heading (id, shard, input position), the
 * source, then each variant's output or reject reason, every text folded to the width. Plain
 * text, no colour, so it pipes into files and pagers as it is.
 *
 * <p>What is printed comes from the corpus, the model and the server's error bodies, none of them
 * trusted: a control character (an ANSI escape that recolours or clears the screen, sets the window
 * title or the clipboard, a carriage return or backspace that hides text already printed, a
 * direction override that reorders it) is written as a backslash, {@code u} and its four hex digits
 * instead of being sent to the terminal ({@link #visible}). Texts keep their line breaks and tabs (a CR LF pair is a
 * line break); one-line fields (ids, file names, reasons, details, parameters) keep neither, so a
 * value cannot forge a heading of its own.
 */
public final class ShowText {
    private static final String INDENT = "  ";

    private final int width;
    private final int maxChars;

    /**
     * @param width    columns to fold to (at least 20)
     * @param maxChars longest text shown before it is cut with a note of what was left out; 0 shows all
     */
    public ShowText(int width, int maxChars) {
        if (width < 20) {
            throw new IllegalArgumentException("--width must be at least 20, got " + width);
        }
        if (maxChars < 0) {
            throw new IllegalArgumentException("--max-chars must be 0 (all) or more, got " + maxChars);
        }
        this.width = width;
        this.maxChars = maxChars;
    }

    public String render(ShownOutput shown) {
        StringBuilder out = new StringBuilder();
        out.append("output   ").append(line(shown.outputUri())).append('\n');
        out.append("input    ").append(line(shown.inputUri())).append('\n');
        if (shown.shard() != null) {
            // the count is of the selection: one shard, committed (else there is nothing to show)
            out.append("shard    ")
                    .append(shown.shard())
                    .append(" of the ")
                    .append(shown.shardsPlanned())
                    .append(" planned, committed")
                    .append('\n');
        } else {
            out.append("shards   ")
                    .append(shown.shardsCommitted())
                    .append(" committed of ")
                    .append(shown.shardsPlanned())
                    .append(" planned")
                    .append('\n');
        }
        if (shown.variant() != null) {
            // the selection, then how many there are, as the shard line says one shard of the planned
            out.append("variant  ")
                    .append(line(shown.variant()))
                    .append(" of the ")
                    .append(shown.variants().size())
                    .append('\n');
        } else {
            out.append("variants ")
                    .append(line(String.join(", ", shown.variants())))
                    .append('\n');
        }
        for (ShownDocument doc : shown.documents()) {
            out.append('\n')
                    .append("== ")
                    .append(line(doc.id()))
                    .append("  (shard ")
                    .append(doc.shard());
            if (doc.file() != null) {
                out.append(", ").append(line(doc.file())).append(doc.line() == null ? "" : ":" + doc.line());
            }
            out.append(")\n");
            out.append("-- source")
                    .append(doc.source() == null ? ": " + line(doc.sourceNote()) : "")
                    .append('\n');
            if (doc.source() != null) {
                block(out, doc.source());
            }
            for (ShownResult r : doc.results()) {
                out.append("-- ").append(label(r)).append('\n');
                if (r.text() != null) {
                    block(out, r.text());
                }
            }
        }
        out.append('\n')
                .append(shown.documents().size())
                .append(shown.documents().size() == 1 ? " document" : " documents")
                .append(" shown")
                .append(shown.more() ? "; more with --limit, --shard or --id" : "")
                .append('\n');
        return out.toString();
    }

    /** A one-line field as printed: every control character (line breaks and tabs too) made visible. */
    private static String line(String value) {
        return value == null ? null : visible(value, false);
    }

    /**
     * {@code text} with each control character that could act on a terminal written as a backslash,
     * {@code u} and its four hex digits: C0 controls, DEL, C1 controls, and the bidirectional overrides and
     * isolates (U+202A..U+202E, U+2066..U+2069). With {@code multiline}, line breaks (LF, and CR LF as
     * one) and tabs are kept.
     */
    static String visible(String text, boolean multiline) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean keep;
            if (multiline && (c == '\n' || c == '\t')) {
                keep = true;
            } else if (multiline && c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                if (out == null) {
                    out = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                continue; // the LF that follows is the line break
            } else {
                keep = !ControlChars.unsafe(c);
            }
            if (keep) {
                if (out != null) {
                    out.append(c);
                }
            } else {
                if (out == null) {
                    out = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                ControlChars.escape(c, out);
            }
        }
        return out == null ? text : out.toString();
    }

    private static String label(ShownResult r) {
        StringBuilder l = new StringBuilder(r.variant() == null ? "every variant" : line(r.variant()));
        if (!r.params().isEmpty()) {
            l.append(' ')
                    .append(line(r.params().entrySet().stream()
                            .map(Map.Entry::toString)
                            .collect(Collectors.joining(" ", "[", "]"))));
        }
        if (r.round() != null) {
            l.append(" (retry round ").append(r.round()).append(')');
        }
        l.append(": ").append(r.outcome().name());
        if (r.reason() != null) {
            l.append(' ').append(line(r.reason()));
        }
        if (r.detail() != null && !r.detail().isBlank()) {
            l.append(" (").append(line(r.detail())).append(')');
        }
        if (r.outcome() != ShownResult.Outcome.written && r.text() != null) {
            l.append("; the rejected output:");
        }
        return l.toString();
    }

    private void block(StringBuilder out, String raw) {
        String text = visible(raw, true);
        String shown = text;
        int cut = 0;
        if (maxChars > 0 && text.length() > maxChars) {
            int space = text.lastIndexOf(' ', maxChars);
            int end = space > maxChars / 2 ? space : maxChars; // at a word boundary when there is one nearby
            shown = text.substring(0, end);
            cut = text.length() - end;
        }
        for (String line : fold(shown, width - INDENT.length())) {
            out.append(INDENT).append(line).append('\n');
        }
        if (cut > 0) {
            out.append(INDENT).append("... (").append(cut).append(" more characters; --max-chars 0 shows all)\n");
        }
    }

    /**
     * Lines that fit are kept as they are (code keeps its indentation); longer ones are wrapped at
     * words, continuation lines indented like the line they continue; a word longer than a line is cut.
     */
    static List<String> fold(String text, int columns) {
        List<String> lines = new ArrayList<>();
        // leading blank lines and trailing space go; the first line's indentation stays (code)
        for (String raw : text.replaceFirst("^(\\s*\n)+", "").stripTrailing().split("\n", -1)) {
            String paragraph = raw.stripTrailing();
            if (paragraph.length() <= columns) {
                lines.add(paragraph);
                continue;
            }
            String indent = paragraph.substring(
                    0, paragraph.length() - paragraph.stripLeading().length());
            if (indent.length() > columns / 2) {
                indent = "";
            }
            int room = columns - indent.length();
            StringBuilder line = new StringBuilder();
            for (String word : paragraph.strip().split("\\s+")) {
                while (word.length() > room) {
                    if (line.length() > 0) {
                        lines.add(indent + line);
                        line.setLength(0);
                    }
                    lines.add(indent + word.substring(0, room));
                    word = word.substring(room);
                }
                if (line.length() > 0 && line.length() + 1 + word.length() > room) {
                    lines.add(indent + line);
                    line.setLength(0);
                }
                if (!word.isEmpty()) {
                    line.append(line.length() > 0 ? " " : "").append(word);
                }
            }
            lines.add(indent + line);
        }
        return lines;
    }
}
