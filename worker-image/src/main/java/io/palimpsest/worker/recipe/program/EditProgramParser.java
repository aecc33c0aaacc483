package io.palimpsest.worker.recipe.program;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the model's edit calls. The reply is Python-looking text, but it is never evaluated: each
 * line must be exactly one call to one of five known functions with literal arguments (integers
 * and quoted strings, positional or by keyword); anything else counts as malformed. This is what
 * makes executing a model's "program" safe.
 */
public final class EditProgramParser {
    private static final Pattern CALL = Pattern.compile("^([A-Za-z_][A-Za-z_0-9]*)\\s*\\((.*)\\)\\s*;?\\s*$");
    private static final Pattern KEYWORD = Pattern.compile("^([A-Za-z_][A-Za-z_0-9]*)\\s*=\\s*(.*)$", Pattern.DOTALL);
    private static final Pattern INTEGER = Pattern.compile("^[+-]?\\d{1,9}$");

    private EditProgramParser() {}

    /** @param lineCount the lines of the chunk the program edits, to reject out-of-range removals */
    public static EditProgram parse(String reply, int lineCount) {
        List<EditCall> calls = new ArrayList<>();
        int malformed = 0;
        for (String raw : reply.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("```")) {
                continue;
            }
            Optional<EditCall> call = parseCall(line, lineCount);
            if (call.isPresent()) {
                calls.add(call.get());
            } else {
                malformed++;
            }
        }
        return new EditProgram(calls, malformed);
    }

    static Optional<EditCall> parseCall(String line, int lineCount) {
        Matcher m = CALL.matcher(line);
        if (!m.matches()) {
            return Optional.empty();
        }
        Optional<List<Argument>> args = splitArguments(m.group(2));
        if (args.isEmpty()) {
            return Optional.empty();
        }
        List<Argument> a = args.get();
        return switch (m.group(1)) {
            case "drop_doc" -> a.isEmpty() ? Optional.of(new EditCall.DropDoc()) : Optional.empty();
            case "keep_doc" -> a.isEmpty() ? Optional.of(new EditCall.KeepDoc()) : Optional.empty();
            case "keep_chunk" -> a.isEmpty() ? Optional.of(new EditCall.KeepChunk()) : Optional.empty();
            case "remove_lines" -> removeLines(a, lineCount);
            case "normalize" -> normalize(a);
            default -> Optional.empty();
        };
    }

    private static Optional<EditCall> removeLines(List<Argument> args, int lineCount) {
        Map<String, Argument> bound = bind(args, List.of("line_start", "line_end"));
        if (bound == null) {
            return Optional.empty();
        }
        Integer first = bound.get("line_start").integer();
        Integer last = bound.get("line_end").integer();
        if (first == null || last == null || first < 1 || last < first || last > lineCount) {
            return Optional.empty();
        }
        return Optional.of(new EditCall.RemoveLines(first, last));
    }

    private static Optional<EditCall> normalize(List<Argument> args) {
        Map<String, Argument> bound = bind(args, List.of("source_str", "target_str"));
        if (bound == null) {
            return Optional.empty();
        }
        String from = bound.get("source_str").string();
        String to = bound.get("target_str").string();
        // Line numbers must stay valid for the remove_lines of the same program.
        if (from == null || to == null || from.isEmpty() || from.contains("\n") || to.contains("\n")) {
            return Optional.empty();
        }
        return Optional.of(new EditCall.Normalize(from, to));
    }

    /** Positional arguments first, then keywords, as in Python; null when they do not fit the names. */
    private static Map<String, Argument> bind(List<Argument> args, List<String> names) {
        if (args.size() != names.size()) {
            return null;
        }
        Map<String, Argument> bound = new LinkedHashMap<>();
        boolean keywordSeen = false;
        for (int i = 0; i < args.size(); i++) {
            Argument a = args.get(i);
            if (a.keyword() == null) {
                if (keywordSeen) {
                    return null;
                }
                bound.put(names.get(i), a);
            } else {
                keywordSeen = true;
                if (!names.contains(a.keyword()) || bound.containsKey(a.keyword())) {
                    return null;
                }
                bound.put(a.keyword(), a);
            }
        }
        return bound.size() == names.size() ? bound : null;
    }

    /** One literal argument, maybe with a keyword. Exactly one of integer/string is set. */
    record Argument(String keyword, Integer integer, String string) {}

    /** Splits on top-level commas, honouring quotes and backslash escapes; empty when unbalanced. */
    static Optional<List<Argument>> splitArguments(String inside) {
        List<Argument> out = new ArrayList<>();
        if (inside.isBlank()) {
            return Optional.of(out);
        }
        List<String> pieces = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < inside.length(); i++) {
            char c = inside.charAt(i);
            if (quote != 0) {
                cur.append(c);
                if (c == '\\' && i + 1 < inside.length()) {
                    cur.append(inside.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                cur.append(c);
            } else if (c == ',') {
                pieces.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (quote != 0) {
            return Optional.empty();
        }
        pieces.add(cur.toString());
        for (String piece : pieces) {
            Optional<Argument> a = argument(piece.strip());
            if (a.isEmpty()) {
                return Optional.empty();
            }
            out.add(a.get());
        }
        return Optional.of(out);
    }

    private static Optional<Argument> argument(String piece) {
        String keyword = null;
        String value = piece;
        Matcher k = KEYWORD.matcher(piece);
        if (k.matches() && !piece.startsWith("\"") && !piece.startsWith("'")) {
            keyword = k.group(1);
            value = k.group(2).strip();
        }
        if (INTEGER.matcher(value).matches()) {
            return Optional.of(new Argument(keyword, Integer.parseInt(value), null));
        }
        String name = keyword;
        return stringLiteral(value).map(str -> new Argument(name, null, str));
    }

    private static Optional<String> stringLiteral(String v) {
        if (v.length() < 2) {
            return Optional.empty();
        }
        char q = v.charAt(0);
        if ((q != '"' && q != '\'') || v.charAt(v.length() - 1) != q) {
            return Optional.empty();
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < v.length() - 1; i++) {
            char c = v.charAt(i);
            if (c == q) {
                return Optional.empty();
            }
            if (c == '\\') {
                if (i + 1 >= v.length() - 1) {
                    return Optional.empty();
                }
                char e = v.charAt(++i);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case '\\', '\'', '"' -> sb.append(e);
                    default -> sb.append('\\').append(e);
                }
            } else {
                sb.append(c);
            }
        }
        return Optional.of(sb.toString());
    }
}
