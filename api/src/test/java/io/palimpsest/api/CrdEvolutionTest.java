package io.palimpsest.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The CRDs under crds/ against those of every release (src/test/resources/released-crds/<version>/):
 * Helm never upgrades CRDs, so an admin applies the new ones over a cluster full of resources the
 * released ones accepted, and rolls the operator back under them. Each such resource must stay
 * valid and mean what it meant: no version stops being served or stored, no field goes away or
 * changes type, none becomes required, no enum value or default changes, no bound tightens.
 * Optional fields, wider bounds, new enum values and new defaults of new fields may come.
 */
class CrdEvolutionTest {
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final Path RELEASED = Path.of("src", "test", "resources", "released-crds");

    @Test
    void theCrdsAcceptWhatEveryReleaseAccepted() throws IOException {
        List<Path> releases;
        try (Stream<Path> dirs = Files.list(RELEASED)) {
            releases = dirs.filter(Files::isDirectory).sorted().toList();
        }
        assertFalse(releases.isEmpty(), "no released CRDs under " + RELEASED.toAbsolutePath());
        List<String> problems = new ArrayList<>();
        for (Path release : releases) {
            try (Stream<Path> files = Files.list(release)) {
                for (Path file : files.filter(p -> p.toString().endsWith(".yml"))
                        .sorted()
                        .toList()) {
                    Path current = CrdValidator.crdDir().resolve(file.getFileName());
                    if (!Files.exists(current)) {
                        problems.add(release.getFileName() + " " + file.getFileName() + ": the CRD is gone");
                        continue;
                    }
                    incompatibilities(read(file), read(current))
                            .forEach(p -> problems.add(release.getFileName() + " " + file.getFileName() + ": " + p));
                }
            }
        }
        assertEquals(List.of(), problems, "a change to crds/ that breaks resources a release accepted");
    }

    @Test
    void eachKindOfBreakingChangeIsFound() throws IOException {
        Map<String, Object> released = read(CrdValidator.crdDir().resolve("rewritejobs.palimpsest.io-v1.yml"));
        assertEquals(
                List.of(),
                incompatibilities(released, read(CrdValidator.crdDir().resolve("rewritejobs.palimpsest.io-v1.yml"))));

        Map<String, Object> changed = read(CrdValidator.crdDir().resolve("rewritejobs.palimpsest.io-v1.yml"));
        Map<String, Object> spec = prop(schema(changed), "spec");
        Map<String, Object> recipe = prop(spec, "recipe");
        props(recipe).remove("chunking");
        prop(recipe, "mode").put("default", "program");
        prop(recipe, "mode").put("enum", List.of("rewrite"));
        prop(prop(spec, "input"), "uri").put("type", "integer");
        prop(prop(spec, "input"), "uri").put("maxLength", 10);
        List<Object> required = new ArrayList<>(list(spec.get("required")));
        required.add("queueName");
        spec.put("required", required);
        List<String> found = incompatibilities(released, changed);

        for (String expected : List.of(
                "spec.recipe.chunking: removed",
                "spec.recipe.mode: default changed from \"rewrite\" to \"program\"",
                "spec.recipe.mode: enum value(s) [",
                "spec.input.uri: type changed from string to integer",
                "spec.input.uri: maxLength lowered",
                "spec: now requires [queueName]")) {
            assertTrue(found.stream().anyMatch(f -> f.startsWith(expected)), expected + " not in " + found);
        }
    }

    /** What in {@code current} refuses or reads otherwise an object {@code released} accepted. */
    static List<String> incompatibilities(Map<String, Object> released, Map<String, Object> current) {
        List<String> out = new ArrayList<>();
        Map<String, Map<String, Object>> now = new java.util.LinkedHashMap<>();
        for (Map<String, Object> v : versions(current)) {
            now.put((String) v.get("name"), v);
        }
        for (Map<String, Object> was : versions(released)) {
            String name = (String) was.get("name");
            Map<String, Object> is = now.get(name);
            if (is == null || !Boolean.TRUE.equals(is.get("served"))) {
                out.add("version " + name + " is no longer served");
                continue;
            }
            if (Boolean.TRUE.equals(was.get("storage")) && !Boolean.TRUE.equals(is.get("storage"))) {
                out.add("version " + name + " is no longer the storage version (stored objects need a migration)");
            }
            compare(node(node(was, "schema"), "openAPIV3Schema"), node(node(is, "schema"), "openAPIV3Schema"), "", out);
        }
        return out;
    }

    private static void compare(Map<String, Object> was, Map<String, Object> is, String path, List<String> out) {
        String at = path.isEmpty() ? "(root)" : path;
        if (is == null) {
            out.add(at + ": removed");
            return;
        }
        if (!Objects.equals(was.get("type"), is.get("type"))) {
            out.add(at + ": type changed from " + was.get("type") + " to " + is.get("type"));
        }
        for (String flag : List.of("x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields")) {
            if (Boolean.TRUE.equals(was.get(flag)) && !Boolean.TRUE.equals(is.get(flag))) {
                out.add(at + ": no longer " + flag);
            }
        }
        if (was.containsKey("default") && !Objects.equals(was.get("default"), is.get("default"))) {
            out.add(at + ": default changed from " + json(was.get("default")) + " to " + json(is.get("default")));
        }
        if (was.get("enum") != null && is.get("enum") != null) {
            Set<Object> gone = new HashSet<>(list(was.get("enum")));
            gone.removeAll(list(is.get("enum")));
            if (!gone.isEmpty()) {
                out.add(at + ": enum value(s) " + gone + " removed");
            }
        } else if (was.get("enum") == null && is.get("enum") != null) {
            out.add(at + ": now restricted to " + is.get("enum"));
        }
        for (String bound : List.of("maxLength", "maxItems", "maxProperties", "maximum")) {
            if (tighter(was.get(bound), is.get(bound), true) && !int32Bound(bound, was, is)) {
                out.add(at + ": " + bound + " lowered from " + was.get(bound) + " to " + is.get(bound));
            }
        }
        for (String bound : List.of("minLength", "minItems", "minProperties", "minimum")) {
            if (tighter(was.get(bound), is.get(bound), false)) {
                out.add(at + ": " + bound + " raised from " + was.get(bound) + " to " + is.get(bound));
            }
        }
        if (!Objects.equals(was.get("pattern"), is.get("pattern")) && is.get("pattern") != null) {
            out.add(at + ": pattern changed from " + was.get("pattern") + " to " + is.get("pattern"));
        }
        Set<Object> required = new HashSet<>(list(is.get("required")));
        required.removeAll(list(was.get("required")));
        if (!required.isEmpty()) {
            out.add(at + ": now requires " + required.stream().sorted().toList());
        }
        Map<String, Object> wasProps = props(was);
        if (wasProps != null) {
            Map<String, Object> isProps = props(is);
            for (String key : wasProps.keySet()) {
                compare(
                        node(wasProps, key),
                        isProps == null ? null : node(isProps, key),
                        path.isEmpty() ? key : path + "." + key,
                        out);
            }
        }
        if (was.get("items") instanceof Map<?, ?>) {
            compare(node(was, "items"), node(is, "items"), path + "[]", out);
        }
        if (was.get("additionalProperties") instanceof Map<?, ?>) {
            compare(node(was, "additionalProperties"), node(is, "additionalProperties"), path + ".*", out);
        }
    }

    /** Whether {@code is} is a tighter bound than {@code was} (an upper bound when {@code upper}). */
    /**
     * A maximum of 2147483647 newly set on an integer field: the operator reads such fields as 32-bit
     * integers, so a larger value, though stored, was never readable (the bound states what held).
     */
    private static boolean int32Bound(String bound, Map<String, Object> was, Map<String, Object> is) {
        return bound.equals("maximum")
                && was.get(bound) == null
                && "integer".equals(is.get("type"))
                && is.get(bound) instanceof Number max
                && max.doubleValue() == Integer.MAX_VALUE;
    }

    private static boolean tighter(Object was, Object is, boolean upper) {
        if (is == null) {
            return false;
        }
        if (was == null) {
            return true;
        }
        int cmp = Double.compare(((Number) is).doubleValue(), ((Number) was).doubleValue());
        return upper ? cmp < 0 : cmp > 0;
    }

    private static String json(Object value) {
        try {
            return new ObjectMapper().writeValueAsString(value);
        } catch (IOException e) {
            return String.valueOf(value);
        }
    }

    private static Map<String, Object> read(Path file) throws IOException {
        return YAML.readValue(file.toFile(), new TypeReference<Map<String, Object>>() {});
    }

    private static Map<String, Object> schema(Map<String, Object> crd) {
        return node(node(versions(crd).get(0), "schema"), "openAPIV3Schema");
    }

    private static List<Map<String, Object>> versions(Map<String, Object> crd) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> vs =
                (List<Map<String, Object>>) node(crd, "spec").get("versions");
        return vs;
    }

    private static Map<String, Object> prop(Map<String, Object> schema, String name) {
        return node(props(schema), name);
    }

    private static Map<String, Object> props(Map<String, Object> schema) {
        return node(schema, "properties");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> node(Map<String, Object> parent, String key) {
        return parent == null ? null : (Map<String, Object>) parent.get(key);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        return value == null ? List.of() : (List<Object>) value;
    }
}
