package io.palimpsest.worker.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.token.BpeTokenCounter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A template reading a stage's or the matrix's field that the reply lacks is rejected, not sent with a hole. */
class ReplyReadsTest {
    private static final EngineSettings SETTINGS = new EngineSettings("test-model", "sha256:abc");
    private static final SourceDocument DOC =
            new SourceDocument("d", "The mill turned grain into flour for the village every autumn.", Map.of());

    private static DocumentOutcome run(Recipe recipe, ModelCall model) {
        return RecipeEngine.create(recipe, model, BpeTokenCounter.instance(), SETTINGS)
                .process(DOC)
                .toCompletableFuture()
                .join();
    }

    private static final String MAGA = """
            stages:
              - name: pairs
                user: "PAIRS <document>{{ text }}</document>"
                parse: json
            matrix: {fromStage: pairs}
            prompts:
              - name: maga
                user: "Rewrite as a {{ params.genre }} for {{ params.audience }}. <document>{{ text }}</document>"
            """;

    @Test
    void pairsWithOtherKeysAreRejectedBeforeAnyRewriteCall() {
        FakeModel model = new FakeModel(r -> FakeModel.lastUser(r).startsWith("PAIRS")
                ? FakeModel.stop("[{\"Genre\": \"tale\", \"target_audience\": \"kids\"},"
                        + " {\"Genre\": \"news\", \"target_audience\": \"adults\"}]")
                : FakeModel.stop("Rewritten: " + FakeModel.lastUser(r)));
        DocumentOutcome out = run(RecipeYaml.parse(MAGA), model);

        assertTrue(out.outputs().isEmpty(), () -> "written: " + out.outputs());
        assertEquals(1, model.requests.size(), "only the stage was called");
        assertEquals(2, out.rejects().size());
        for (RejectRecord r : out.rejects()) {
            assertEquals(ItemReason.PARSE_ERROR, r.reason());
            assertTrue(r.detail().contains("params.genre"), r.detail());
            assertTrue(r.detail().contains("'genre' is missing (it has: Genre, target_audience)"), r.detail());
            assertTrue(r.detail().contains("stage pairs"), r.detail());
        }
    }

    @Test
    void pairsWithTheKeysAreRewritten() {
        FakeModel model = new FakeModel(r -> FakeModel.lastUser(r).startsWith("PAIRS")
                ? FakeModel.stop("[{\"genre\": \"tale\", \"audience\": \"kids\"}]")
                : FakeModel.stop("A tale for kids about a mill that turned grain into flour."));
        DocumentOutcome out = run(RecipeYaml.parse(MAGA), model);
        assertEquals(1, out.outputs().size(), () -> out.rejects().toString());
        assertTrue(FakeModel.lastUser(model.requests.get(1)).startsWith("Rewrite as a tale for kids."));
    }

    private static final String SWALLOW = """
            stages:
              - name: review
                user: "REVIEW {{ text }}"
                parse: sections
            prompts:
              - name: scor
                user: "Suggestions: {{ stages.review.suggestions }} Improve: ```{{ stages.review.improved_code }}```"
            """;

    @Test
    void aReviewWithoutTheImprovedCodeSectionRejectsTheRewrite() {
        FakeModel model = new FakeModel(r -> FakeModel.lastUser(r).startsWith("REVIEW")
                ? FakeModel.stop("## Score\n6\n## Suggestions\nName things better.\n")
                : FakeModel.stop("```python\nprint('unrelated')\n```"));
        DocumentOutcome out = run(RecipeYaml.parse(SWALLOW), model);

        assertTrue(out.outputs().isEmpty());
        assertEquals(1, model.requests.size());
        RejectRecord r = out.rejects().get(0);
        assertEquals(ItemReason.PARSE_ERROR, r.reason());
        assertEquals(
                "the template reads stages.review.improved_code: in stage review's reply 'improved_code' is missing"
                        + " (it has: score, suggestions)",
                r.detail());
    }

    @Test
    void anEmptySectionIsRejectedToo() {
        FakeModel model = new FakeModel(r -> FakeModel.lastUser(r).startsWith("REVIEW")
                ? FakeModel.stop("## Suggestions\nName things better.\n## Improved code\n\n")
                : FakeModel.stop("x = 1"));
        DocumentOutcome out = run(RecipeYaml.parse(SWALLOW), model);
        assertEquals(ItemReason.PARSE_ERROR, out.rejects().get(0).reason());
        assertTrue(out.rejects().get(0).detail().contains("'improved_code' is empty"));
    }

    @Test
    void readsThatHandleAbsenceAreNotHoles() {
        // (names are strict, as Jinja's StrictUndefined: `{% if stages.review.notes %}` on a reply without
        // notes is an error; `is defined`, `in` and `default` are the guards)
        Recipe recipe = RecipeYaml.parse("""
                stages:
                  - name: review
                    user: "REVIEW {{ text }}"
                    parse: sections
                prompts:
                  - name: scor
                    user: >-
                      {{ stages['review']['hint'] | default('no hint') }}
                      {% if stages.review.extra is defined %}{{ stages.review.extra }}{% endif %}
                      {% if 'more' in stages.review %}{{ stages.review.more }}{% endif %}
                      {% for k in stages.review.keys() %}{{ k }} {% endfor %}
                      Improve: {{ stages.review.improved_code }}
                """);
        FakeModel model = new FakeModel(r -> FakeModel.lastUser(r).startsWith("REVIEW")
                ? FakeModel.stop("## Improved code\nx = 1\n")
                : FakeModel.stop("Improved: x = 1 and more words here."));
        DocumentOutcome out = run(recipe, model);
        assertEquals(1, out.outputs().size(), () -> out.rejects().toString());
        assertTrue(FakeModel.lastUser(model.requests.get(1)).contains("no hint"));
    }

    @Test
    void aStageNameNoStageHasIsRefusedBeforeAnyDocument() {
        Recipe recipe = RecipeYaml.parse("""
                stages:
                  - name: review
                    user: "REVIEW {{ text }}"
                prompts:
                  - name: scor
                    user: "Improve: {{ stages.reveiw }} {{ text }}"
                """);
        FakeModel model = new FakeModel(r -> FakeModel.stop("Fine."));
        RecipeException refused = assertThrows(RecipeException.class, () -> run(recipe, model));
        assertTrue(refused.getMessage().contains("no stage named 'reveiw'"), refused.getMessage());
    }

    @Test
    void guardedPathsAreFoundInTheTemplate() {
        assertEquals(
                Set.of("stages.review.notes", "stages.review.hint", "params.tone"),
                ReplyReads.guarded("{% if stages.review.notes %}{{ stages.review.notes }}{% endif %}"
                        + "{{ stages[\"review\"]['hint'] | default('x') }}{{ params.tone is not defined }}"
                        + "{{ params.genre }}"));
        assertEquals(List.of(), List.copyOf(ReplyReads.guarded("{{ stages.review.code }}")));
    }
}
