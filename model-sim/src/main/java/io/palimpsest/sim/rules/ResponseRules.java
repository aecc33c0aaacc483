package io.palimpsest.sim.rules;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.palimpsest.sim.Fault;
import io.palimpsest.sim.text.Prompt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** An ordered list of {@link ResponseRule}s; the first one that matches wins. */
public final class ResponseRules {
    private static final ResponseRules NONE = new ResponseRules(List.of());
    /** JSON is a subset of YAML as far as rules files go, so one parser reads both. */
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static final Set<String> FIELDS = Set.of("name", "match", "on", "response", "fault");

    private final List<ResponseRule> rules;

    public ResponseRules(List<ResponseRule> rules) {
        this.rules = List.copyOf(rules);
    }

    public static ResponseRules none() {
        return NONE;
    }

    public List<ResponseRule> rules() {
        return rules;
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /** A rule that matched, with its match for the template's {@code {{group:N}}}. */
    public record Hit(ResponseRule rule, Matcher match) {}

    public Optional<Hit> firstMatch(Prompt prompt) {
        for (ResponseRule rule : rules) {
            Optional<Matcher> m = rule.match(prompt);
            if (m.isPresent()) {
                return Optional.of(new Hit(rule, m.get()));
            }
        }
        return Optional.empty();
    }

    public static ResponseRules load(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read rules file " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a rules document: {@code {rules: [...]}} or a bare list, YAML or JSON. Each rule has
     * {@code match} (a Java regex, searched anywhere), {@code response} (a template) and optionally
     * {@code name}, {@code on} (prompt | document | system) and {@code fault} (a {@link Fault} name).
     */
    public static ResponseRules parse(String text) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("rules are neither YAML nor JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || root.isNull() || root.isMissingNode()) {
            return NONE;
        }
        JsonNode list = root.isObject() ? root.path("rules") : root;
        if (!list.isArray()) {
            throw new IllegalArgumentException("expected a list of rules or an object with 'rules: [...]'");
        }
        List<ResponseRule> rules = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            rules.add(rule(list.get(i), i + 1));
        }
        return new ResponseRules(rules);
    }

    private static ResponseRule rule(JsonNode node, int position) {
        String name = node.path("name").asText("rule-" + position);
        String where = "rule '" + name + "'";
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + " is not an object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            String field = it.next().getKey();
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException(where + ": unknown field '" + field + "', expected " + FIELDS);
            }
        }
        String regex = node.path("match").asText(null);
        if (regex == null) {
            throw new IllegalArgumentException(where + ": 'match' is required");
        }
        Pattern pattern;
        try {
            pattern = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(where + ": bad regex: " + e.getMessage(), e);
        }
        ResponseRule.Target target;
        try {
            target =
                    ResponseRule.Target.valueOf(node.path("on").asText("prompt").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": 'on' must be prompt, document or system", e);
        }
        ResponseTemplate template = null;
        if (node.hasNonNull("response")) {
            try {
                template = ResponseTemplate.parse(node.get("response").asText());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
        }
        Optional<Fault> fault;
        try {
            fault = node.hasNonNull("fault")
                    ? Optional.of(Fault.parse(node.get("fault").asText()))
                    : Optional.empty();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        return new ResponseRule(name, pattern, target, template, fault);
    }
}
