package io.palimpsest.worker.recipe.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.RecipeYaml;
import io.palimpsest.worker.recipe.SourceDocument;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VariantSelectorTest {
    private static final String PROMPTS = """
            prompts:
              - {name: a, user: x, weight: 1}
              - {name: b, user: x, weight: 1}
              - {name: c, user: x, weight: 0}
              - {name: d, user: x, weight: 8}
            """;

    private static VariantSelector selector(String yaml) {
        return new VariantSelector(RecipeYaml.parse(PROMPTS + yaml));
    }

    private static String names(List<PromptVariant> vs) {
        return String.join(",", vs.stream().map(PromptVariant::getName).toList());
    }

    private static SourceDocument doc(String id, String text, Map<String, Object> meta) {
        return new SourceDocument(id, text, meta);
    }

    @ParameterizedTest(name = "bucket={0} lang={1} -> {2}")
    @CsvSource(
            nullValues = "null",
            value = {
                "3,    en,   'a'",
                "11,   en,   'a'",
                "12,   en,   'b,d'",
                "19,   en,   'b,d'",
                "5,    fr,   'c'",
                "15,   fr,   'c'",
                // a field the condition reads and the document lacks is an error, not a quiet false
                "null, en,   'error: routes[0].when (meta.lang == ''en'' && meta.bucket <= 11): key ''bucket'' is not"
                        + " present in map; this document''s meta has: lang'",
                "null, null, 'error: routes[0].when (meta.lang == ''en'' && meta.bucket <= 11): key ''lang'' is not present"
                        + " in map; this document''s meta has: no fields'",
            })
    void firstMatchingRouteWins(Long bucket, String lang, String expected) {
        VariantSelector s = selector("""
                routes:
                  - {when: "meta.lang == 'en' && meta.bucket <= 11", variants: [a]}
                  - {when: "meta.lang == 'en' && meta.bucket > 11", variants: [d, b]}
                  - {variants: [c]}
                """);
        Map<String, Object> meta = new HashMap<>();
        if (bucket != null) {
            meta.put("bucket", bucket);
        }
        if (lang != null) {
            meta.put("lang", lang);
        }
        if (expected.startsWith("error: ")) {
            ConditionFailed e = assertThrows(ConditionFailed.class, () -> s.select(doc("x", "t", meta)));
            assertEquals(expected.substring("error: ".length()), e.getMessage());
        } else {
            assertEquals(expected, names(s.select(doc("x", "t", meta))));
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "id.startsWith('wiki/')             | wiki/1 | a",
                "text.contains('def ')              | code   | a",
                "size(text) > 1000                  | short  | ''",
                "has(meta.score) && meta.score >= 3 | s      | a",
            })
    void predicatesSeeIdTextAndMeta(String when, String id, String expected) {
        VariantSelector s = selector("routes: [{when: \"" + when + "\", variants: [a]}]\n");
        String text = id.equals("code") ? "def f(): pass" : "short text";
        Map<String, Object> meta = id.equals("s") ? Map.of("score", 3.5) : Map.of();
        assertEquals(expected, names(s.select(doc(id, text, meta))));
    }

    @Test
    void badRoutesFailAtStart() {
        assertThrows(RecipeException.class, () -> selector("routes: [{when: 'meta.x ===', variants: [a]}]\n"));
        assertThrows(
                RecipeException.class, () -> selector("routes: [{when: 'size(meta)', variants: [a]}]\n"), "not a bool");
        assertThrows(RecipeException.class, () -> selector("routes: [{variants: [zz]}]\n"));
    }

    @ParameterizedTest(name = "{0} k={1}")
    @CsvSource({"all, 0, 4", "randomK, 2, 2", "randomK, 9, 4", "weighted, 2, 2", "weighted, 4, 3"})
    void fanOutCounts(String mode, int k, int expected) {
        VariantSelector s = selector("fanout: {mode: " + mode + (k > 0 ? ", k: " + k : "") + ", seed: 5}\n");
        for (int i = 0; i < 50; i++) {
            List<PromptVariant> chosen = s.select(doc("doc-" + i, "t", Map.of()));
            assertEquals(expected, chosen.size());
            if (mode.equals("weighted")) {
                assertTrue(chosen.stream().noneMatch(v -> v.getName().equals("c")), "weight 0 is never chosen");
            }
            assertEquals(chosen, s.select(doc("doc-" + i, "t", Map.of())), "same document, same choice");
        }
    }

    @Test
    void randomKIsUniformAndWeightedFollowsWeights() {
        VariantSelector uniform = selector("fanout: {mode: randomK, k: 1, seed: 1}\n");
        VariantSelector weighted = selector("fanout: {mode: weighted, k: 1, seed: 1}\n");
        Map<String, Integer> u = new HashMap<>();
        Map<String, Integer> w = new HashMap<>();
        for (int i = 0; i < 4000; i++) {
            u.merge(names(uniform.select(doc("d" + i, "t", Map.of()))), 1, Integer::sum);
            w.merge(names(weighted.select(doc("d" + i, "t", Map.of()))), 1, Integer::sum);
        }
        for (String v : Arrays.asList("a", "b", "c", "d")) {
            assertTrue(Math.abs(u.get(v) - 1000) < 150, "uniform share of " + v + ": " + u);
        }
        assertEquals(null, w.get("c"));
        assertTrue(Math.abs(w.get("d") - 3200) < 200, "d has weight 8 of 10: " + w);
        VariantSelector otherSeed = selector("fanout: {mode: randomK, k: 1, seed: 2}\n");
        int differ = 0;
        for (int i = 0; i < 100; i++) {
            if (!names(uniform.select(doc("d" + i, "t", Map.of())))
                    .equals(names(otherSeed.select(doc("d" + i, "t", Map.of()))))) {
                differ++;
            }
        }
        assertNotEquals(0, differ, "the seed changes the choice");
    }

    @Test
    void variantsKeepRecipeOrder() {
        Recipe r = RecipeYaml.parse(PROMPTS + "routes: [{variants: [d, a]}]\n");
        assertEquals("a,d", names(new VariantSelector(r).select(doc("x", "t", Map.of()))));
    }
}
