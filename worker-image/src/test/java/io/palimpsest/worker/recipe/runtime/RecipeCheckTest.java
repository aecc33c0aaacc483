package io.palimpsest.worker.recipe.runtime;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.DocumentOutcome;
import io.palimpsest.worker.recipe.EngineSettings;
import io.palimpsest.worker.recipe.FakeModel;
import io.palimpsest.worker.recipe.RecipeEngine;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.RecipeYaml;
import io.palimpsest.worker.recipe.SourceDocument;
import io.palimpsest.worker.recipe.token.BpeTokenCounter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the recipe check refuses before any document, and what it leaves to each document. */
class RecipeCheckTest {
    private static final List<SourceDocument> DOCS = List.of(
            new SourceDocument("a", "First text.", Map.of("lang", "en", "year", 1900L)),
            new SourceDocument("b", "Second text.", Map.of("lang", "de", "year", 1850L, "title", "B")));

    private static String refusal(String yaml, List<SourceDocument> docs) {
        return assertThrows(RecipeException.class, () -> RecipeCheck.compile(RecipeYaml.parse(yaml), docs))
                .getMessage();
    }

    @Test
    void aMisspeltStageIsRefusedNamingTheStagesThere() {
        String m = refusal("""
                stages:
                  - {name: summary, user: "Summarise: {{ text }}"}
                  - {name: review, user: "Review using {{ stages.sumary }}: {{ text }}"}
                prompts:
                  - {name: wiki, user: "{{ text }}"}
                """, List.of());
        assertTrue(
                m.startsWith(
                        "spec.recipe.stages[1].user: stage review, line 1: stages.sumary: no stage named 'sumary'"),
                m);
        assertTrue(m.contains("summary"), m);
    }

    @Test
    void aLaterStageIsRefusedSayingItRunsAfter() {
        String m = refusal("""
                stages:
                  - {name: early, user: "Use {{ stages.late }}: {{ text }}"}
                  - {name: late, user: "Late: {{ text }}"}
                prompts:
                  - {name: wiki, user: "{{ stages.late }} {{ text }}"}
                """, List.of());
        assertTrue(
                m.startsWith("spec.recipe.stages[0].user: stage early, line 1: stages.late: stage late runs after"), m);
    }

    @Test
    void anUnknownStageInAVariantAndAnUnknownParameterAreRefused() {
        String stage = refusal("""
                stages: [{name: review, parse: sections, user: "{{ text }}"}]
                prompts:
                  - {name: wiki, user: "{{ stages.reviw.score }} {{ text }}"}
                """, List.of());
        assertTrue(stage.contains("stages.reviw: no stage named 'reviw' (did you mean \"review\"?)"), stage);
        String param = refusal("""
                matrix: {parameters: {genre: [poem, essay]}}
                prompts:
                  - {name: wiki, user: "As a {{ params.genr }}: {{ text }}"}
                """, List.of());
        assertTrue(param.contains("params.genr: no matrix parameter 'genr'"), param);
        assertTrue(param.contains("genre"), param);
        String noMatrix = refusal("prompts: [{name: wiki, user: \"{{ params.genre }} {{ text }}\"}]\n", List.of());
        assertTrue(noMatrix.contains("params.genre: the recipe has no matrix"), noMatrix);
        String inStage = refusal("""
                matrix: {parameters: {genre: [poem]}}
                stages: [{name: s, user: "{{ params.genre }} {{ text }}"}]
                prompts: [{name: wiki, user: "{{ text }}"}]
                """, List.of());
        assertTrue(inStage.contains("stages run before the matrix"), inStage);
        String textStage = refusal("""
                stages: [{name: s, user: "{{ text }}"}]
                prompts: [{name: wiki, user: "{{ stages.s.score }} {{ text }}"}]
                """, List.of());
        assertTrue(textStage.contains("stages.s.score: stages.s is text"), textStage);
    }

    @Test
    void numbersFromMetadataStagesAndParametersCompareAndAdd() {
        String yaml = """
                stages: [{name: s, parse: json, user: "Score {{ text }}"}]
                matrix: {parameters: {n: ["2", "3"]}}
                prompts:
                  - name: wiki
                    user: >-
                      {% if meta.year > 1871 %}new{% endif %} {{ meta.year + 1 }} {{ params.n * 2 }}
                      {% if stages.s.score > 3 %}good{% endif %} {{ meta.tags | join(', ') }} {{ meta.year | round }}
                      {% for t in meta.tags %}{{ t | upper }}{% endfor %} {{ text }}
                """;
        assertDoesNotThrow(() -> RecipeCheck.compile(RecipeYaml.parse(yaml), List.of()));
        Recipe recipe = RecipeYaml.parse(yaml);
        FakeModel model = new FakeModel(r -> FakeModel.stop(r.purpose().startsWith("stage") ? "{\"score\": 4}" : "ok"));
        DocumentOutcome out = RecipeEngine.create(
                        recipe, model, BpeTokenCounter.instance(), new EngineSettings("m", "h"))
                .process(new SourceDocument("d", "Text.", Map.of("year", 1900L, "tags", List.of("x", "y"))))
                .toCompletableFuture()
                .join();
        assertEquals(2, out.outputs().size(), () -> out.rejects().toString());
        assertTrue(
                FakeModel.lastUser(model.requests.get(1)).startsWith("new 1901 4"),
                FakeModel.lastUser(model.requests.get(1)));
        assertTrue(FakeModel.lastUser(model.requests.get(1)).contains("good x, y 1900"));
    }

    @Test
    void aMetadataFieldNoSampledDocumentHasStopsTheJobNamingTheFieldsThereAre() {
        String m = refusal("prompts: [{name: wiki, user: \"{{ meta.titel }}: {{ text }}\"}]\n", DOCS);
        assertEquals(
                "spec.recipe.prompts[0].user: variant wiki, line 1: meta.titel is in none of the first 2 documents that reach this"
                        + " template (their fields: lang, title, year); if some documents lack it, write"
                        + " {{ meta.titel | default('') }}",
                m);
    }

    @Test
    void aMetadataFieldSomeDocumentsHaveRejectsOnlyTheOthersNamingTheField() {
        String yaml = "prompts: [{name: wiki, user: \"{{ meta.title }}: {{ text }}\"}]\n";
        assertDoesNotThrow(() -> RecipeCheck.compile(RecipeYaml.parse(yaml), DOCS));
        RecipeEngine engine = RecipeEngine.create(
                RecipeYaml.parse(yaml),
                new FakeModel(r -> FakeModel.stop("ok")),
                BpeTokenCounter.instance(),
                new EngineSettings("m", "h"));
        DocumentOutcome without =
                engine.process(DOCS.get(0)).toCompletableFuture().join();
        assertEquals(ItemReason.TEMPLATE_ERROR, without.rejects().get(0).reason());
        assertEquals(
                "variant wiki: template user, line 1: meta.title: the document has no field 'title' (it has: lang,"
                        + " year)",
                without.rejects().get(0).detail().replace("year, lang", "lang, year"));
        assertEquals(
                1,
                engine.process(DOCS.get(1))
                        .toCompletableFuture()
                        .join()
                        .outputs()
                        .size());
        String optional = "prompts: [{name: wiki, user: \"{{ meta.title | default('untitled') }}: {{ text }}\"}]\n";
        assertDoesNotThrow(() -> RecipeCheck.compile(RecipeYaml.parse(optional), DOCS));
        String guarded =
                "prompts: [{name: wiki, user: \"{% if meta.titel is defined %}{{ meta.titel }}{% endif %}{{ text }}\"}]\n";
        assertDoesNotThrow(() -> RecipeCheck.compile(RecipeYaml.parse(guarded), DOCS));
    }

    @Test
    void onlyTheDocumentsAVariantIsRoutedToAreRenderedWithIt() {
        String yaml = """
                routes:
                  - {when: "meta.lang == 'de'", variants: [titled]}
                  - {variants: [plain]}
                prompts:
                  - {name: titled, user: "{{ meta.title }}: {{ text }}"}
                  - {name: plain, user: "{{ text }}"}
                """;
        assertDoesNotThrow(() -> RecipeCheck.compile(RecipeYaml.parse(yaml), DOCS));
        String m = refusal(yaml, List.of(DOCS.get(0), new SourceDocument("c", "x", Map.of("lang", "de"))));
        assertTrue(m.contains("meta.title is in none of the first 1 documents"), m);
    }
}
