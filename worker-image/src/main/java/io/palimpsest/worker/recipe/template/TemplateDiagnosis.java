package io.palimpsest.worker.recipe.template;

import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.UnknownTokenException;
import io.palimpsest.api.lint.CrdSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Jinjava's errors in the recipe's words: which name has no value and what is there instead
 * ({@code meta.titel}: the fields the document has; {@code stages.sumary}: the stages before the
 * template; {@code params.genr}: the matrix parameters), an unknown filter or test by its name, and
 * an unclosed {@code {#} or <code>{{</code> at the line where it opens.
 */
final class TemplateDiagnosis {
    /** What went wrong, and the dotted name that had no value when that was it (else null). */
    record Problem(int line, String message, String undefined) {}

    private static final Pattern CLASS_PREFIX =
            Pattern.compile("^([A-Za-z_$][\\w$]*\\.)*[A-Z][\\w$]*(Exception|Error): ");
    private static final Pattern STRING_LITERAL = Pattern.compile("'(?:[^'\\\\]|\\\\.)*'|\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern FILTER = Pattern.compile("(?<!\\|)\\|(?!\\|)\\s*([A-Za-z_]\\w*)");
    private static final Pattern TEST = Pattern.compile("\\bis\\s+(?:not\\s+)?([A-Za-z_]\\w*)");
    private static final Pattern NAME = Pattern.compile("^\\s*([A-Za-z_]\\w*)");
    private static final Pattern SEGMENT =
            Pattern.compile("\\G\\s*(?:\\.\\s*([A-Za-z_]\\w*)|\\[\\s*(?:'([^']*)'|\"([^\"]*)\"|(-?\\d+))\\s*\\])");
    private static final int LISTED = 20;

    private TemplateDiagnosis() {}

    /**
     * @param scope   what the template may see (for a stage or parameter that is not there: why)
     * @param filters the filters Jinjava knows
     * @param tests   the tests ({@code is odd}) Jinjava knows
     */
    static Problem explain(
            TemplateError error,
            String template,
            Map<String, Object> vars,
            TemplateScope scope,
            Set<String> filters,
            Set<String> tests) {
        if (error.getException() instanceof UnknownTokenException unknown) {
            return undefined(unknown.getToken(), error.getLineno(), vars, scope, filters, tests);
        }
        String message = plain(error.getMessage());
        if (error.getReason() == TemplateError.ErrorReason.SYNTAX_ERROR) {
            Optional<Unclosed.RunOn> runOn = Unclosed.runOn(template);
            if (runOn.isPresent()) {
                // Jinjava reads on to the later closer and reports the text between as one broken expression
                return runOn(runOn.get());
            }
            if (message.startsWith("Unclosed comment")) {
                return unclosed("{#", Unclosed.line(template, "{#").orElse(error.getLineno()));
            }
            if (message.startsWith("Unclosed token")) {
                Optional<Integer> tag = Unclosed.line(template, "{%");
                return tag.isPresent()
                        ? unclosed("{%", tag.get())
                        : unclosed("{{", Unclosed.line(template, "{{").orElse(error.getLineno()));
            }
            if (message.startsWith("Missing start tag")) {
                return new Problem(error.getLineno(), "an end tag without its start tag", null);
            }
        }
        return new Problem(error.getLineno(), message, null);
    }

    private static Problem runOn(Unclosed.RunOn r) {
        String what = r.opener().equals("{{") ? "an expression" : "a tag";
        String closer = r.opener().equals("{{") ? "}}" : "%}";
        return new Problem(
                r.line(),
                "'" + r.opener() + "' opens " + what + " that is not closed before the next '" + r.next() + "' (line "
                        + r.nextLine() + "); close it with '" + closer + "', or for a literal " + r.opener()
                        + " write {% raw %}" + r.opener() + "{% endraw %}",
                null);
    }

    private static Problem unclosed(String opener, int line) {
        String what = opener.equals("{#") ? "a comment" : opener.equals("{{") ? "an expression" : "a tag";
        String closer = opener.equals("{#") ? "#}" : opener.equals("{{") ? "}}" : "%}";
        return new Problem(
                line,
                "'" + opener + "' opens " + what + " that is never closed with '" + closer
                        + "', so the rest of the template would be lost; for a literal " + opener
                        + " write {% raw %}" + opener + "{% endraw %}",
                null);
    }

    private static Problem undefined(
            String expression,
            int line,
            Map<String, Object> vars,
            TemplateScope scope,
            Set<String> filters,
            Set<String> tests) {
        String code = STRING_LITERAL.matcher(expression).replaceAll("''").strip();
        // an unknown filter or test gives no value, so Jinjava calls the whole expression unknown
        Matcher filter = FILTER.matcher(code);
        while (filter.find()) {
            if (!filters.contains(filter.group(1))) {
                return new Problem(
                        line,
                        "unknown filter '" + filter.group(1) + "'" + CrdSchema.suggestion(filter.group(1), filters),
                        null);
            }
        }
        Matcher test = TEST.matcher(code);
        while (test.find()) {
            if (!tests.contains(test.group(1))) {
                return new Problem(
                        line,
                        "unknown test '" + test.group(1) + "'" + CrdSchema.suggestion(test.group(1), tests),
                        null);
            }
        }
        Matcher name = NAME.matcher(code);
        if (!name.find()) {
            return new Problem(line, "'" + expression.strip() + "' has no value", null);
        }
        String root = name.group(1);
        if (!vars.containsKey(root)) {
            return new Problem(
                    line,
                    "unknown variable '" + root + "'" + CrdSchema.suggestion(root, vars.keySet())
                            + "; templates can use " + TemplateVariables.NAMES,
                    root);
        }
        List<String> path = new ArrayList<>();
        Matcher segment = SEGMENT.matcher(code);
        segment.region(name.end(), code.length());
        while (segment.find()) {
            for (int g = 1; g <= 4; g++) {
                if (segment.group(g) != null) {
                    path.add(segment.group(g));
                }
            }
        }
        return walk(root, path, vars.get(root), scope, line)
                .orElse(new Problem(line, "'" + expression.strip() + "' has no value", null));
    }

    /** Follows {@code root.path} through the values and says where it stops. */
    private static Optional<Problem> walk(String root, List<String> path, Object value, TemplateScope scope, int line) {
        String at = root;
        Object current = value;
        for (int i = 0; i < path.size(); i++) {
            String key = path.get(i);
            String next = at + "." + key;
            if (current instanceof Map<?, ?> map) {
                if (!map.containsKey(key)) {
                    return Optional.of(new Problem(line, next + ": " + missing(root, i, at, key, map, scope), next));
                }
                current = map.get(key);
            } else if (current instanceof List<?> list && key.matches("-?\\d+")) {
                int index = Integer.parseInt(key);
                int size = list.size();
                if (index >= size || index < -size) {
                    return Optional.of(
                            new Problem(line, at + "[" + key + "]: " + at + " has " + size + " items", next));
                }
                current = list.get(index < 0 ? index + size : index);
            } else if (current == null) {
                return Optional.of(new Problem(line, at + " is null", at));
            } else {
                String kind = current instanceof String ? "text" : current instanceof List ? "a list" : "a value";
                String hint = root.equals("stages") && i == 1 ? " (the stage's reply, parse: text or code)" : "";
                return Optional.of(new Problem(
                        line, next + ": " + at + " is " + kind + hint + ", which has no field '" + key + "'", next));
            }
            at = next;
        }
        if (current == null && !path.isEmpty()) {
            return Optional.of(new Problem(line, at + " is null", at));
        }
        return Optional.empty();
    }

    private static String missing(String root, int depth, String at, String key, Map<?, ?> map, TemplateScope scope) {
        String has = keys(map);
        if (depth == 0 && root.equals("stages")) {
            if (!scope.notYet().isEmpty() && scope.notYet().get(0).equals(key)) {
                // a stage's own templates (and its judges') are rendered before its call is made
                return "stage " + key + " reads its own reply: stages." + key + " is what this stage's call"
                        + " returns, so its prompt cannot use it; a stage sees only the stages before it ("
                        + (map.isEmpty() ? "none here" : "here: " + has) + ")";
            }
            if (scope.notYet().contains(key)) {
                return "stage " + key + " runs after this template; a stage sees only the stages before it ("
                        + (map.isEmpty() ? "none here" : "here: " + has) + ")";
            }
            return "no stage named '" + key + "'" + CrdSchema.suggestion(key, stringKeys(map))
                    + (map.isEmpty() ? " (no stage runs before this template)" : " (stages: " + has + ")");
        }
        if (depth == 0 && root.equals("params")) {
            if (scope.inStage()) {
                return "stages run before the matrix, so a stage's templates have no params";
            }
            if (map.isEmpty()) {
                return "the recipe has no matrix, so params is empty";
            }
            return "no matrix parameter '" + key + "'" + CrdSchema.suggestion(key, stringKeys(map))
                    + " (matrix.parameters: " + has + ")";
        }
        if (depth == 0 && root.equals("meta")) {
            return "the document has no field '" + key + "'" + CrdSchema.suggestion(key, stringKeys(map))
                    + (map.isEmpty() ? " (its record has no fields besides text and id)" : " (it has: " + has + ")");
        }
        return at + " has no field '" + key + "'" + (map.isEmpty() ? " (it is empty)" : " (it has: " + has + ")");
    }

    private static Set<String> stringKeys(Map<?, ?> map) {
        return map.keySet().stream().map(String::valueOf).collect(Collectors.toCollection(TreeSet::new));
    }

    private static String keys(Map<?, ?> map) {
        List<String> all = map.keySet().stream().map(String::valueOf).toList();
        String shown = all.stream().limit(LISTED).collect(Collectors.joining(", "));
        return all.size() > LISTED ? shown + ", ... (" + all.size() + " in all)" : shown;
    }

    /** Jinjava's words without Java class names. */
    static String plain(String message) {
        return message == null ? "" : CLASS_PREFIX.matcher(message.strip()).replaceFirst("");
    }

    /** Where an opening delimiter that Jinjava never saw closed stands, by a scan that reads templates as it does. */
    static final class Unclosed {
        private static final Pattern RAW = Pattern.compile("\\{%-?\\s*raw\\s*-?%}");
        private static final Pattern END_RAW = Pattern.compile("\\{%-?\\s*endraw\\s*-?%}");

        private Unclosed() {}

        /** The line (from 1) of the first {@code opener} whose closer never comes; empty when every one closes. */
        static Optional<Integer> line(String template, String opener) {
            int i = 0;
            while (i < template.length()) {
                int open = nextOpening(template, i);
                if (open < 0) {
                    return Optional.empty();
                }
                String kind = template.substring(open, open + 2);
                int afterRaw = afterRaw(template, open);
                if (afterRaw < 0) {
                    return Optional.empty(); // Jinjava names the missing endraw itself
                }
                if (afterRaw > 0) {
                    i = afterRaw;
                    continue;
                }
                int close = closing(template, open + 2, kind);
                if (close < 0) {
                    return kind.equals(opener) ? Optional.of(lineOf(template, open)) : Optional.empty();
                }
                i = close;
            }
            return Optional.empty();
        }

        /** An expression or tag whose text runs into the next opening delimiter before it is closed. */
        record RunOn(String opener, int line, String next, int nextLine) {}

        /** The first {@code {{} or {@code {%} that meets another opening before its closer (strings skipped). */
        static Optional<RunOn> runOn(String template) {
            int i = 0;
            while (i < template.length()) {
                int open = nextOpening(template, i);
                if (open < 0) {
                    return Optional.empty();
                }
                String kind = template.substring(open, open + 2);
                int afterRaw = afterRaw(template, open);
                if (afterRaw < 0) {
                    return Optional.empty(); // Jinjava names the missing endraw itself
                }
                if (afterRaw > 0) {
                    i = afterRaw;
                    continue;
                }
                if (kind.equals("{#")) {
                    int close = closing(template, open + 2, kind);
                    if (close < 0) {
                        return Optional.empty();
                    }
                    i = close;
                    continue;
                }
                char second = kind.equals("{{") ? '}' : '%';
                char quote = 0;
                int close = -1;
                for (int j = open + 2; j < template.length() && close < 0; j++) {
                    char c = template.charAt(j);
                    if (quote != 0) {
                        if (c == '\\') {
                            j++;
                        } else if (c == quote) {
                            quote = 0;
                        }
                    } else if (c == '\'' || c == '"') {
                        quote = c;
                    } else if (c == second && j + 1 < template.length() && template.charAt(j + 1) == '}') {
                        close = j + 2;
                    } else if (c == '{'
                            && j + 1 < template.length()
                            && (template.charAt(j + 1) == '{' || template.charAt(j + 1) == '%')) {
                        return Optional.of(new RunOn(
                                kind, lineOf(template, open), template.substring(j, j + 2), lineOf(template, j)));
                    }
                }
                if (close < 0) {
                    return Optional.empty();
                }
                i = close;
            }
            return Optional.empty();
        }

        /**
         * Where a {@code {% raw %}} block opening at {@code open} ends (past its endraw), whose text is
         * not template; -1 when its endraw never comes, 0 when no raw block opens there.
         */
        private static int afterRaw(String template, int open) {
            Matcher raw = RAW.matcher(template).region(open, template.length());
            if (!raw.lookingAt()) {
                return 0;
            }
            Matcher end = END_RAW.matcher(template).region(raw.end(), template.length());
            return end.find() ? end.end() : -1;
        }

        private static int nextOpening(String s, int from) {
            for (int i = from; i + 1 < s.length(); i++) {
                if (s.charAt(i) == '{') {
                    char c = s.charAt(i + 1);
                    if (c == '{' || c == '%' || c == '#') {
                        return i;
                    }
                }
            }
            return -1;
        }

        /** The index after the closer, or -1; strings are skipped inside expressions and tags. */
        private static int closing(String s, int from, String kind) {
            if (kind.equals("{#")) {
                int end = s.indexOf("#}", from);
                return end < 0 ? -1 : end + 2;
            }
            char second = kind.equals("{{") ? '}' : '%';
            char quote = 0;
            for (int i = from; i < s.length(); i++) {
                char c = s.charAt(i);
                if (quote != 0) {
                    if (c == '\\') {
                        i++;
                    } else if (c == quote) {
                        quote = 0;
                    }
                } else if (c == '\'' || c == '"') {
                    quote = c;
                } else if (c == second && i + 1 < s.length() && s.charAt(i + 1) == '}') {
                    return i + 2;
                }
            }
            return -1;
        }

        private static int lineOf(String s, int index) {
            int line = 1;
            for (int i = 0; i < index; i++) {
                if (s.charAt(i) == '\n') {
                    line++;
                }
            }
            return line;
        }
    }
}
