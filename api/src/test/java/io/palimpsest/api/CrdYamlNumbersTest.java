package io.palimpsest.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.ScalarEvent;

/**
 * The CRDs of crds/ and of the chart are read by more than the API server: GitOps and policy tools
 * built on PyYAML read them as YAML 1.1, where {@code 2.147483647E9} (no sign in the exponent) is a
 * string, not a number, and a bound that is a string breaks them or the schema they check against.
 * Every plain scalar a YAML 1.2 reader takes for a number must be one in YAML 1.1 too, and the
 * bounds of integer fields are integers.
 */
class CrdYamlNumbersTest {
    /** What a YAML 1.2 (core schema) reader, the API server's among them, takes for a number. */
    private static final Pattern YAML12_NUMBER =
            Pattern.compile("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    /** PyYAML's implicit int and float resolvers (YAML 1.1). */
    private static final Pattern YAML11_INT = Pattern.compile(
            "[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+");

    private static final Pattern YAML11_FLOAT = Pattern.compile("[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?"
            + "|\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*");

    @Test
    void everyNumberOfTheCrdsIsANumberToAYaml11Reader() throws IOException {
        List<Path> files = files();
        List<String> strings = new ArrayList<>();
        int numbers = 0;
        for (Path file : files) {
            try (Reader in = Files.newBufferedReader(file)) {
                for (Event event : new Yaml().parse(in)) {
                    if (event instanceof ScalarEvent s
                            && s.getScalarStyle() == DumperOptions.ScalarStyle.PLAIN
                            && YAML12_NUMBER.matcher(s.getValue()).matches()) {
                        numbers++;
                        if (!YAML11_INT.matcher(s.getValue()).matches()
                                && !YAML11_FLOAT.matcher(s.getValue()).matches()) {
                            strings.add(file + ":" + (s.getStartMark().getLine() + 1) + ": " + s.getValue());
                        }
                    }
                }
            }
        }
        assertTrue(numbers > 0, "no number found in " + files);
        assertEquals(List.of(), strings, "numbers a YAML 1.1 reader takes for strings");
    }

    @Test
    void theBoundsOfIntegerFieldsAreIntegers() throws IOException {
        List<String> fractional = new ArrayList<>();
        List<String> checked = new ArrayList<>();
        for (Path file : files()) {
            walk(CrdValidator.YAML.readTree(file.toFile()), file.toString() + ":", fractional, checked);
        }
        assertTrue(checked.stream().anyMatch(p -> p.endsWith("maxFailedShards.maximum")), checked.toString());
        assertEquals(List.of(), fractional, "integer fields with a bound that is not an integer literal");
    }

    private static void walk(JsonNode node, String path, List<String> fractional, List<String> checked) {
        if (node.isObject()) {
            boolean integer = "integer".equals(node.path("type").asText());
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String at = e.getKey().equals("properties") ? path : path + "." + e.getKey();
                if (integer && (e.getKey().equals("minimum") || e.getKey().equals("maximum"))) {
                    checked.add(at);
                    if (!e.getValue().isIntegralNumber()) {
                        fractional.add(at + ": " + e.getValue());
                    }
                }
                walk(e.getValue(), at, fractional, checked);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), path + "[]", fractional, checked);
            }
        }
    }

    /** crds/ and the chart's copies of them. */
    private static List<Path> files() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path dir : List.of(CrdValidator.crdDir(), Path.of("..", "helm", "palimpsest", "crds"))) {
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(p -> p.toString().endsWith(".yml")).sorted().forEach(out::add);
            }
        }
        assertFalse(out.isEmpty());
        return out;
    }
}
