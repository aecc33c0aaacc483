package io.palimpsest.sim.rules;

import io.palimpsest.sim.text.Hashing;
import io.palimpsest.sim.text.TextStats;
import io.palimpsest.sim.text.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A response with {@code {{ variable | filter }}} placeholders, parsed once so that a rules file
 * with a typo fails at load time, not in the middle of a test. Variables and filters are listed
 * in model-sim/README.md.
 */
public final class ResponseTemplate {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*(.*?)\\s*}}", Pattern.DOTALL);
    private static final Pattern SENTENCE = Pattern.compile("(?s).*?[.!?](?=\\s|$)");

    private final String source;
    private final List<Function<TemplateContext, String>> parts;

    private ResponseTemplate(String source, List<Function<TemplateContext, String>> parts) {
        this.source = source;
        this.parts = parts;
    }

    public static ResponseTemplate parse(String template) {
        List<Function<TemplateContext, String>> parts = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(template);
        int last = 0;
        while (m.find()) {
            String literal = template.substring(last, m.start());
            parts.add(ctx -> literal);
            parts.add(placeholder(m.group(1)));
            last = m.end();
        }
        String tail = template.substring(last);
        parts.add(ctx -> tail);
        return new ResponseTemplate(template, List.copyOf(parts));
    }

    public String render(TemplateContext ctx) {
        StringBuilder sb = new StringBuilder();
        for (Function<TemplateContext, String> part : parts) {
            sb.append(part.apply(ctx));
        }
        return sb.toString();
    }

    public String source() {
        return source;
    }

    private static Function<TemplateContext, String> placeholder(String expression) {
        String[] stages = expression.split("\\s*\\|\\s*");
        Function<TemplateContext, String> value = variable(stages[0].strip());
        for (String filterName : Arrays.asList(stages).subList(1, stages.length)) {
            UnaryOperator<String> filter = filter(filterName.strip());
            Function<TemplateContext, String> before = value;
            value = ctx -> filter.apply(before.apply(ctx));
        }
        return value;
    }

    private static Function<TemplateContext, String> variable(String name) {
        int colon = name.indexOf(':');
        String head = colon < 0 ? name : name.substring(0, colon);
        String arg = colon < 0 ? null : name.substring(colon + 1);
        if (name.matches("group\\d+")) {
            arg = name.substring("group".length());
            head = "group";
        }
        switch (head) {
            case "prompt":
                return ctx -> ctx.prompt().matchText();
            case "document":
                return ctx -> ctx.prompt().document();
            case "system":
                return ctx -> ctx.prompt().systemMessage();
            case "rewrite":
                return TemplateContext::rewrite;
            case "numbered_document":
                return ctx -> numbered(ctx.prompt().document());
            case "line_count":
                return ctx -> Integer.toString(lines(ctx.prompt().document()).size());
            case "word_count":
                return ctx -> Integer.toString(TextStats.wordCount(ctx.prompt().document()));
            case "token_count":
                return ctx -> Integer.toString(Tokenizer.count(ctx.prompt().document()));
            case "first_sentence":
                return ctx -> firstSentence(ctx.prompt().document());
            case "line": {
                int n = positiveInt(arg, name);
                return ctx -> {
                    List<String> lines = lines(ctx.prompt().document());
                    return n <= lines.size() ? lines.get(n - 1) : "";
                };
            }
            case "group":
                return group(arg, name);
            case "choice": {
                if (arg == null || arg.isEmpty()) {
                    throw new IllegalArgumentException("choice needs options: {{choice:a,b,c}}");
                }
                List<String> options =
                        Arrays.stream(arg.split(",")).map(String::strip).toList();
                return ctx -> options.get(Hashing.pick(
                        Hashing.mix(ctx.seed() ^ Hashing.of(ctx.prompt().matchText())), options.size()));
            }
            default:
                throw new IllegalArgumentException("unknown template variable '" + name + "'");
        }
    }

    private static Function<TemplateContext, String> group(String arg, String name) {
        if (arg == null || arg.isEmpty()) {
            throw new IllegalArgumentException("group needs a number or name: {{group:1}}, {{group1}}, {{group:name}}");
        }
        if (arg.chars().allMatch(Character::isDigit)) {
            int n = Integer.parseInt(arg);
            return ctx -> n <= ctx.match().groupCount() && ctx.match().group(n) != null
                    ? ctx.match().group(n)
                    : "";
        }
        return ctx -> {
            if (ctx.match() instanceof Matcher matcher) {
                try {
                    String v = matcher.group(arg);
                    return v == null ? "" : v;
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("no group named '" + arg + "' in " + name, e);
                }
            }
            return "";
        };
    }

    private static UnaryOperator<String> filter(String name) {
        return switch (name) {
            case "json" -> ResponseTemplate::jsonEscape;
            case "upper" -> s -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s -> s.toLowerCase(Locale.ROOT);
            case "trim" -> String::strip;
            case "first_line" -> s -> lines(s).isEmpty() ? "" : lines(s).get(0);
            default -> throw new IllegalArgumentException("unknown template filter '" + name + "'");
        };
    }

    private static int positiveInt(String arg, String name) {
        try {
            int n = Integer.parseInt(arg == null ? "" : arg.strip());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below with the placeholder's name
        }
        throw new IllegalArgumentException("'" + name + "' needs a line number from 1, e.g. {{line:3}}");
    }

    static List<String> lines(String text) {
        if (text.isEmpty()) {
            return List.of();
        }
        return Arrays.asList(text.split("\r?\n", -1));
    }

    /** "1: first line", one per line, the way edit-program prompts number a document. */
    static String numbered(String text) {
        List<String> lines = lines(text);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            if (i > 0) {
                sb.append('\n');
            }
            sb.append(i + 1).append(": ").append(lines.get(i));
        }
        return sb.toString();
    }

    private static String firstSentence(String text) {
        Matcher m = SENTENCE.matcher(text.strip());
        return m.lookingAt() ? m.group().strip() : text.strip();
    }

    /** The inside of a JSON string literal, so templates can write "{{document | json}}". */
    static String jsonEscape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
