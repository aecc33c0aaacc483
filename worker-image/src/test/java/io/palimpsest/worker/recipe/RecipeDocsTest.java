package io.palimpsest.worker.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.hubspot.jinjava.JinjavaConfig;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.worker.recipe.route.CelPredicate;
import io.palimpsest.worker.recipe.template.SharedContextJinja;
import io.palimpsest.worker.recipe.template.TemplateVariables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/RECIPES.md against the code: every recipe field and enum value of the api model and of the
 * generated CRD is named there, and the template and CEL variables it documents are exactly the
 * ones the engine provides.
 */
class RecipeDocsTest {

    private static final Path DOC = Path.of("../docs/RECIPES.md");
    private static final Path CRD = Path.of("../crds/rewritejobs.palimpsest.io-v1.yml");
    private static final String RECIPE_PACKAGE = Recipe.class.getPackageName();
    private static final Pattern TABLE_NAME = Pattern.compile("(?m)^\\| `([A-Za-z_]+)` \\|");

    @Test
    void everyRecipeFieldOfTheApiModelIsDocumented() throws IOException {
        String doc = doc();
        Set<String> names = apiNames();
        assertTrue(
                names.containsAll(
                        Set.of("prompts", "chunking", "contextTokens", "scorePattern", "fewShot", "appendToOriginal")),
                "the walk reaches nested classes, superclasses and enums: " + names);
        assertEquals(
                Set.of(), undocumented(doc, names), "recipe fields or values of the api model missing from " + DOC);
    }

    @Test
    void everyRecipeFieldOfTheCrdIsDocumented() throws IOException {
        JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(CRD.toFile());
        JsonNode recipe = crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/recipe");
        assertFalse(recipe.isMissingNode(), "spec.recipe in " + CRD);
        Set<String> names = new TreeSet<>();
        schemaNames(recipe, names);
        assertTrue(
                names.containsAll(Set.of("maxInputTokens", "minKeptFraction", "stripSentinel", "autoregressive")),
                names.toString());
        assertEquals(Set.of(), undocumented(doc(), names), "recipe fields or values of the CRD missing from " + DOC);
    }

    @Test
    void theDocumentedTemplateVariablesAreTheOnesTheEngineProvides() throws IOException {
        Set<String> documented = tableNames(section(doc(), "## Template variables"));
        SourceDocument doc =
                new SourceDocument("doc-1", "First line.\nSecond line.", Map.of("lang", "en", "quality_bucket", 12));
        Map<String, Object> vars = TemplateVariables.forJudge(
                TemplateVariables.of(
                        doc,
                        "Second line.",
                        List.of("A first rewritten chunk."),
                        Map.of("review", Map.of("score", "8")),
                        Map.of("genre", "story"),
                        Map.of("id", "doc-1#1", "index", 1, "count", 2)),
                "Second line.",
                "A rewrite of the second line.");
        assertEquals(new TreeSet<>(vars.keySet()), new TreeSet<>(documented), "the variables table of " + DOC);

        SharedContextJinja strict = new SharedContextJinja(
                JinjavaConfig.newBuilder().withFailOnUnknownTokens(true).build());
        for (String name : documented) {
            SharedContextJinja.Rendered r = strict.render("{{ " + name + " }}", vars);
            assertTrue(r.fatal().isEmpty(), name + ": " + r.fatal());
            assertFalse(r.output().isBlank(), name + " renders to nothing");
        }
        assertTrue(strict.render("{{ txt }}", vars).fatal().isPresent(), "an unknown name fails in strict rendering");
        assertEquals(
                "en 12 story 8 1/2 doc-1#1",
                strict.render(
                                "{{ meta.lang }} {{ meta.quality_bucket }} {{ params.genre }} {{ stages.review.score }} {{ chunk.index }}/{{ chunk.count }} {{ chunk.id }}",
                                vars)
                        .output(),
                "the documented members of meta, params, stages and chunk");
    }

    @Test
    void theDocumentedCelVariablesAreTheOnesRoutesSee() throws IOException {
        String cel = section(doc(), "## Routes (CEL)");
        Set<String> documented = tableNames(cel.substring(cel.indexOf("| variable | CEL type |")));
        assertEquals(Set.of("meta", "id", "text"), documented);
        SourceDocument doc = new SourceDocument("doc-1", "Some text.", Map.of("quality_bucket", 3L));
        for (String name : documented) {
            assertTrue(CelPredicate.compile("size(" + name + ") > 0", name).test(doc), name);
        }
        assertTrue(CelPredicate.compile("meta.quality_bucket <= 11", "example").test(doc));
        assertThrows(RecipeException.class, () -> CelPredicate.compile("size(document) > 0", "undocumented"));
    }

    @Test
    void everyExampleHasAWorkedExample() throws IOException {
        String examples = section(doc(), "## Worked examples");
        List<String> dirs;
        try (var list = Files.list(Path.of("../examples"))) {
            // Recipe examples come with a sample corpus; quickstart-cluster is the quickstart on a cluster.
            dirs = list.filter(d -> Files.isRegularFile(d.resolve("job.yaml")) && Files.isDirectory(d.resolve("data")))
                    .map(d -> d.getFileName().toString())
                    .sorted()
                    .toList();
        }
        assertTrue(dirs.size() >= 10, dirs.toString());
        for (String dir : dirs) {
            assertTrue(examples.contains("\n### " + dir + ": "), "a worked example for examples/" + dir + " in " + DOC);
        }
    }

    /** Names (fields and enum values) of the recipe classes, as Jackson reads them from YAML. */
    private static Set<String> apiNames() {
        ObjectMapper json = new ObjectMapper();
        Set<String> names = new TreeSet<>();
        Set<Class<?>> seen = new HashSet<>();
        Deque<JavaType> todo = new ArrayDeque<>(List.of(json.constructType(Recipe.class)));
        while (!todo.isEmpty()) {
            JavaType type = todo.pop();
            if (type.isContainerType()) {
                todo.push(type.getContentType());
                continue;
            }
            Class<?> raw = type.getRawClass();
            if (!raw.getPackageName().equals(RECIPE_PACKAGE) || !seen.add(raw)) {
                continue;
            }
            if (raw.isEnum()) {
                for (Object constant : raw.getEnumConstants()) {
                    names.add(((Enum<?>) constant).name());
                }
                continue;
            }
            for (BeanPropertyDefinition p :
                    json.getDeserializationConfig().introspect(type).findProperties()) {
                names.add(p.getName());
                todo.push(p.getPrimaryType());
            }
        }
        return names;
    }

    private static void schemaNames(JsonNode schema, Set<String> names) {
        schema.path("properties").fields().forEachRemaining(e -> {
            names.add(e.getKey());
            schemaNames(e.getValue(), names);
        });
        schema.path("enum").forEach(v -> names.add(v.asText()));
        if (schema.has("items")) {
            schemaNames(schema.get("items"), names);
        }
        if (schema.path("additionalProperties").isObject()) {
            schemaNames(schema.get("additionalProperties"), names);
        }
    }

    /** The names not written as code (`name`) anywhere in the page. */
    private static Set<String> undocumented(String doc, Set<String> names) {
        Set<String> missing = new TreeSet<>();
        for (String name : names) {
            if (!doc.contains("`" + name + "`")) {
                missing.add(name);
            }
        }
        return missing;
    }

    private static Set<String> tableNames(String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = TABLE_NAME.matcher(text.substring(0, tableEnd(text)));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** The end of the first table in {@code text}: the first blank line after a table row. */
    private static int tableEnd(String text) {
        int start = text.indexOf("\n|");
        int end = text.indexOf("\n\n", start < 0 ? 0 : start);
        return end < 0 ? text.length() : end;
    }

    /** From a heading to the next heading of the same level. */
    private static String section(String doc, String heading) {
        int start = doc.indexOf("\n" + heading + "\n");
        assertTrue(start >= 0, heading + " in " + DOC);
        int next = doc.indexOf("\n## ", start + heading.length() + 2);
        return doc.substring(start, next < 0 ? doc.length() : next);
    }

    private static String doc() throws IOException {
        assertTrue(Files.isRegularFile(DOC), "run from the worker-image module: " + DOC.toAbsolutePath());
        return Files.readString(DOC, StandardCharsets.UTF_8);
    }
}
