package io.palimpsest.worker.recipe.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.recipe.PromptTemplate;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.DocumentOutcome;
import io.palimpsest.worker.recipe.EngineSettings;
import io.palimpsest.worker.recipe.FakeModel;
import io.palimpsest.worker.recipe.ModelCall;
import io.palimpsest.worker.recipe.RecipeEngine;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.RecipeYaml;
import io.palimpsest.worker.recipe.RejectRecord;
import io.palimpsest.worker.recipe.SourceDocument;
import io.palimpsest.worker.recipe.runtime.RecipeCheck;
import io.palimpsest.worker.recipe.token.BpeTokenCounter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A template reading a stage's or the matrix's field that the reply lacks is rejected, not sent with a
 * hole, and {@code parse_error} whichever call renders it.
 */
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
                "variant scor: template user: the template reads stages.review.improved_code: in stage review's reply"
                        + " 'improved_code' is missing (it has: score, suggestions)",
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

    /** A stage whose JSON reply lacks the {@code topic} the variant reads. */
    private static final String TOPIC = """
            %s
            stages:
              - name: s
                parse: json
                user: "TOPIC {{ text }}"
            prompts:
              - name: v
                user: "Topic {{ stages.s.topic }}: {{ text }}"
            %s
            """;

    private static final String NO_TOPIC = "{\"other\": 1}";

    @ParameterizedTest
    @CsvSource({"false, false", "false, true", "true, false", "true, true"})
    void aMissingReplyFieldIsAParseErrorWhicheverRenderMeetsItFirst(boolean chunked, boolean maxInput) {
        // with chunking and maxInputTokens, the chunk budget's render is the first to read stages.s.topic
        Recipe recipe = RecipeYaml.parse(TOPIC.formatted(
                chunked ? "chunking: {mode: segments, maxTokens: 400}" : "",
                maxInput ? "    maxInputTokens: 300" : ""));
        FakeModel model = new FakeModel(r ->
                FakeModel.lastUser(r).startsWith("TOPIC") ? FakeModel.stop(NO_TOPIC) : FakeModel.stop("Rewritten."));
        DocumentOutcome out = run(recipe, model);

        assertTrue(out.outputs().isEmpty());
        assertEquals(1, model.requests.size(), "only the stage was called");
        RejectRecord r = out.rejects().get(0);
        assertEquals(ItemReason.PARSE_ERROR, r.reason(), r::detail);
        assertEquals(
                "variant v: template user: the template reads stages.s.topic: in stage s's reply 'topic' is missing"
                        + " (it has: other)",
                r.detail());
    }

    @Test
    void aJudgeReadingAFieldTheReplyLacksRejectsParseErrorNamingTheJudge() {
        Recipe recipe = RecipeYaml.parse("""
                stages:
                  - name: s
                    parse: json
                    user: "TOPIC {{ text }}"
                prompts:
                  - name: v
                    user: "Rewrite: {{ text }}"
                    validators:
                      - type: judge
                        judge:
                          user: "Is this about {{ stages.s.topic }}? {{ output }} Score 1-5"
                """);
        FakeModel model = new FakeModel(
                r -> FakeModel.lastUser(r).startsWith("TOPIC") ? FakeModel.stop(NO_TOPIC) : FakeModel.stop("Score: 4"));
        DocumentOutcome out = run(recipe, model);

        assertTrue(out.outputs().isEmpty());
        assertEquals(2, model.requests.size(), "the stage and the rewrite, no judge call");
        RejectRecord r = out.rejects().get(0);
        assertEquals(ItemReason.PARSE_ERROR, r.reason(), r::detail);
        assertEquals(
                "judge of variant v: template user: the template reads stages.s.topic: in stage s's reply 'topic' is"
                        + " missing (it has: other)",
                r.detail());
    }

    @Test
    void aLaterStageReadingAFieldTheEarlierReplyLacksIsAParseError() {
        Recipe recipe = RecipeYaml.parse("""
                stages:
                  - name: s
                    parse: json
                    user: "TOPIC {{ text }}"
                  - name: t
                    render: "{{ stages.s.topic }}"
                prompts:
                  - name: v
                    user: "Rewrite: {{ text }}"
                """);
        DocumentOutcome out = run(recipe, new FakeModel(r -> FakeModel.stop(NO_TOPIC)));
        RejectRecord r = out.rejects().get(0);
        assertEquals(ItemReason.PARSE_ERROR, r.reason(), r::detail);
        assertEquals(
                "stage t: template render: the template reads stages.s.topic: in stage s's reply 'topic' is missing"
                        + " (it has: other)",
                r.detail());
    }

    @Test
    void anEmptyFixedParameterIsTheRecipesOwnValueNotAHole() {
        Recipe recipe = RecipeYaml.parse("""
                matrix:
                  parameters:
                    tone: [""]
                prompts:
                  - name: v
                    user: "Rewrite{{ params.tone }}: {{ text }}"
                """);
        FakeModel model = new FakeModel(r -> FakeModel.stop("The mill made flour for the village each autumn."));
        DocumentOutcome out = run(recipe, model);
        assertEquals(1, out.outputs().size(), () -> out.rejects().toString());
        assertTrue(FakeModel.lastUser(model.requests.get(0)).startsWith("Rewrite: The mill"));
    }

    @Test
    void unknownStagesAndParametersAreRefusedBeforeAnyDocument() {
        for (String yaml : List.of("""
                stages:
                  - name: s
                    parse: json
                    user: "TOPIC {{ text }}"
                prompts:
                  - name: v
                    user: "{{ stages.typo.x }} {{ text }}"
                """, """
                matrix:
                  parameters:
                    genre: [a, b]
                prompts:
                  - name: v
                    user: "{{ params.audience }} {{ text }}"
                """, """
                stages:
                  - name: s
                    parse: json
                    user: "TOPIC {{ text }}"
                prompts:
                  - name: v
                    user: "{{ text }}"
                    validators:
                      - type: judge
                        judge:
                          user: "{{ stages.typo.x }} {{ output }}"
                """)) {
            List<RecipeCheck.Problem> problems = RecipeCheck.problems(RecipeYaml.parse(yaml), null);
            assertEquals(1, problems.size(), problems::toString);
            assertTrue(
                    problems.get(0).message().contains("no stage named 'typo'")
                            || problems.get(0).message().contains("no matrix parameter 'audience'"),
                    problems::toString);
        }
    }

    @Test
    void anUnknownStageOrParameterAtRunTimeIsAnInternalErrorNotADocumentsFault() {
        Recipe recipe = RecipeYaml.parse("""
                stages:
                  - name: s
                    parse: json
                    user: "TOPIC {{ text }}"
                matrix: {fromStage: s}
                prompts:
                  - name: v
                    user: "{{ stages.s.topic }} {{ params.genre }} {{ text }}"
                """);
        PromptRenderer renderer = new PromptRenderer().scoped(TemplateScope.ofVariant(recipe));
        PromptTemplate t = recipe.getPrompts().get(0);
        // stage s has not run: the compile check admits only stages that run before the template
        IllegalStateException noStage = assertThrows(
                IllegalStateException.class,
                () -> renderer.request("variant v", t, vars(Map.of(), Map.of("genre", "tale")), "test"));
        assertTrue(noStage.getMessage().contains("stages.s, which has no result"), noStage.getMessage());

        // fixed parameters the template reads are always given: one missing is the engine's bug
        Recipe fixed = RecipeYaml.parse("""
                matrix:
                  parameters:
                    genre: [tale]
                prompts:
                  - name: v
                    user: "{{ params.genre }} {{ text }}"
                """);
        PromptRenderer fixedRenderer = new PromptRenderer().scoped(TemplateScope.ofVariant(fixed));
        IllegalStateException noParam = assertThrows(
                IllegalStateException.class,
                () -> fixedRenderer.request("variant v", fixed.getPrompts().get(0), vars(Map.of(), Map.of()), "test"));
        assertTrue(noParam.getMessage().contains("params.genre, which the matrix does not give"), noParam.getMessage());
    }

    private static Map<String, Object> vars(Map<String, Object> stages, Map<String, Object> params) {
        return TemplateVariables.of(
                DOC, DOC.text(), List.of(), stages, params, Map.of("id", "d#0", "index", 0, "count", 1));
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
