package io.palimpsest.worker.recipe.parse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.recipe.ParseMode;
import io.palimpsest.worker.recipe.PlainValues;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a reply into the value later stages see as stages.&lt;name&gt;: text as is, JSON (the first
 * object or array, also inside a ```json fence), sections (markdown headings to their bodies) or
 * code (the first fenced block, not blank).
 */
public final class ReplyParser {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6}[ \\t]+(.+?)[ \\t#]*$");

    private ReplyParser() {}

    /** The parsed value, or empty when the reply does not hold what the mode expects. */
    public static Optional<Object> parse(ParseMode mode, String reply) {
        return switch (mode == null ? ParseMode.text : mode) {
            case text -> Optional.of(reply);
            case json -> json(reply);
            case sections -> sections(reply);
            case code -> FencedCode.first(reply, null).filter(c -> !c.isBlank()).map(c -> c);
        };
    }

    static Optional<Object> json(String reply) {
        Optional<String> fenced = FencedCode.first(reply, "json");
        String candidate = fenced.orElse(reply);
        for (int start = 0; start < candidate.length(); start++) {
            char c = candidate.charAt(start);
            if (c != '{' && c != '[') {
                continue;
            }
            try {
                JsonNode node = JSON.readerFor(JsonNode.class).readValue(candidate.substring(start));
                return Optional.ofNullable(PlainValues.of(node));
            } catch (JsonProcessingException e) {
                // Trailing prose after the JSON value makes the reader fail; try the value alone.
                Optional<Object> prefix = balancedPrefix(candidate, start);
                if (prefix.isPresent()) {
                    return prefix;
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<Object> balancedPrefix(String s, int start) {
        int depth = 0;
        boolean inString = false;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
                if (depth == 0) {
                    try {
                        return Optional.ofNullable(PlainValues.of(JSON.readTree(s.substring(start, i + 1))));
                    } catch (JsonProcessingException e) {
                        return Optional.empty();
                    }
                }
            }
        }
        return Optional.empty();
    }

    static Optional<Object> sections(String reply) {
        Matcher m = HEADING.matcher(reply);
        Map<String, Object> out = new LinkedHashMap<>();
        String name = null;
        int bodyStart = 0;
        while (m.find()) {
            if (name != null) {
                out.put(name, reply.substring(bodyStart, m.start()).strip());
            }
            name = key(m.group(1));
            bodyStart = m.end();
        }
        if (name == null) {
            return Optional.empty();
        }
        out.put(name, reply.substring(bodyStart).strip());
        return Optional.of(out);
    }

    /** "Improved Code" -> improved_code, so templates can write stages.review.improved_code. */
    static String key(String heading) {
        String k = heading.strip().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
        return k.replaceAll("^_+|_+$", "");
    }
}
