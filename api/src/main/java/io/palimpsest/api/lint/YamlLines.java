package io.palimpsest.api.lint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The line of every field of a YAML file, per document, keyed by the path the validator reports
 * ({@code spec.recipe.prompts[0].sampling.temprature}), so an error can say where to look.
 */
public final class YamlLines {
    private static final YAMLFactory FACTORY = new YAMLFactory();

    private static final Pattern LITERAL_BLOCK = Pattern.compile(":\\s*\\|[-+0-9]*\\s*(#.*)?$");
    private static final Pattern FOLDED_BLOCK = Pattern.compile(":\\s*>[-+0-9]*\\s*(#.*)?$");

    /** A key written twice in one mapping: its path, the line of its second spelling and of its first. */
    public record Repeated(String field, int line, int firstLine) {}

    private final Map<String, Integer> lines;
    /** The file's lines, to tell where a block scalar's content starts. */
    private final String[] text;

    private final List<Repeated> repeated;

    private YamlLines(Map<String, Integer> lines, String[] text, List<Repeated> repeated) {
        this.lines = lines;
        this.text = text;
        this.repeated = repeated;
    }

    /**
     * Keys written twice in one mapping of this document. A YAML parser keeps one of the values in
     * silence; kubectl refuses the file ({@code key "uri" already set in map}), so a checker must too.
     */
    public List<Repeated> repeated() {
        return List.copyOf(repeated);
    }

    /** One index per document that is a mapping, in file order. */
    public static List<YamlLines> index(String text) throws IOException {
        List<YamlLines> documents = new ArrayList<>();
        String[] textLines = text.split("\n", -1);
        try (JsonParser parser = FACTORY.createParser(text)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                Map<String, Integer> lines = new HashMap<>();
                List<Repeated> repeated = new ArrayList<>();
                value(parser, "", lines, repeated);
                if (token == JsonToken.START_OBJECT) {
                    documents.add(new YamlLines(
                            lines, textLines, repeated)); // only mappings are manifests; empty documents are skipped
                }
            }
        }
        return documents;
    }

    private static void value(JsonParser parser, String path, Map<String, Integer> lines, List<Repeated> repeated)
            throws IOException {
        lines.putIfAbsent(path, parser.currentLocation().getLineNr());
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT) {
            Set<String> seen = new HashSet<>();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                String child = path.isEmpty() ? name : path + "." + name;
                int line = parser.currentLocation().getLineNr();
                if (!seen.add(name)) {
                    repeated.add(new Repeated(child, line, lines.getOrDefault(child, 0)));
                } else {
                    lines.put(child, line);
                }
                parser.nextToken();
                value(parser, child, lines, repeated);
            }
        } else if (token == JsonToken.START_ARRAY) {
            int i = 0;
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                value(parser, path + "[" + i++ + "]", lines, repeated);
            }
        }
    }

    /**
     * The line of line {@code lineInValue} (from 1) of a field's multi-line value, such as a template
     * written as a literal block ({@code user: |}); the field's own line when the value is written
     * otherwise (quoted, folded), where its lines do not map onto the file's.
     */
    public int lineOf(String field, int lineInValue) {
        int line = lineOf(field);
        if (lineInValue < 1 || line < 1 || line > text.length || !lines.containsKey(field)) {
            return line;
        }
        String keyLine = text[line - 1];
        if (LITERAL_BLOCK.matcher(keyLine).find()) {
            return line + lineInValue;
        }
        return FOLDED_BLOCK.matcher(keyLine).find() ? line + 1 : line;
    }

    /** Whether the file writes this field itself (not only a field enclosing it). */
    public boolean has(String field) {
        return lines.containsKey(field);
    }

    /** The line of the field, else of its nearest enclosing field (a missing field's parent); 0 when unknown. */
    public int lineOf(String field) {
        String path = field;
        while (true) {
            Integer line = lines.get(path);
            if (line != null) {
                return line;
            }
            int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
            if (cut <= 0) {
                return lines.getOrDefault("", 0);
            }
            path = path.substring(0, cut);
        }
    }
}
