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
        return assertThrows(RecipeException.class, () -> RecipeCheck.compile(RecipeYaml.parse(yaml), null, docs))
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

    /** 64 tokens of instructions around the reads, with 20 allowed. */
    private static final String BUDGET = """
            stages:
              - name: s
                parse: json
                user: "Give JSON for {{ text }}"
            matrix:
              parameters:
                tone: [plain]
            prompts:
              - name: v
                maxInputTokens: 40
                user: "READS%s{{ text }}"
            """.replace("READS", "%s");

    private static final String INSTRUCTIONS =
            "Please rewrite the following passage carefully, keeping every fact, every number and every name"
                    + " exactly as they are. ";

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(
            strings = {"", "{{ meta.lang }} ", "{{ stages.s.topic }} ", "{{ params.tone }} ", "{{ meta.a.b | upper }} "
            })
    void maxInputTokensThePromptAloneTakesIsRefusedWhateverElseTheTemplateReads(String reads) {
        String yaml = BUDGET.formatted(reads, INSTRUCTIONS.repeat(3));
        List<RecipeCheck.Problem> problems = RecipeCheck.problems(RecipeYaml.parse(yaml), null);
        assertEquals(1, problems.size(), problems::toString);
        assertTrue(
                problems.get(0).message().startsWith("variant v: maxInputTokens 40 leaves no room for the document"),
                problems::toString);
        // a short prompt with the same reads fits, the chat template's estimated tokens (16 for one message) included
        assertEquals(List.of(), RecipeCheck.problems(RecipeYaml.parse(BUDGET.formatted(reads, "Rewrite: ")), null));
    }

    @Test
    void aStagesMaxInputTokensIsRefusedWhenItReadsEarlierStagesToo() {
        String m = RecipeCheck.problems(RecipeYaml.parse("""
                                stages:
                                  - name: s
                                    parse: json
                                    user: "Give JSON for {{ text }}"
                                  - name: r
                                    maxInputTokens: 8
                                    user: "Review the whole document about {{ stages.s.topic }} and list every problem. {{ text }}"
                                prompts:
                                  - name: v
                                    user: "{{ text }}"
                                """), null).toString();
        assertTrue(m.contains("stage r: maxInputTokens 8 leaves no room for the document"), m);
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
        assertDoesNotThrow(() -> RecipeCheck.compile(RecipeYaml.parse(yaml), null, List.of()));
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
                        + " template (their fields: lang, title, year; did you mean meta.title?); if some documents"
                        + " lack it, write {{ meta.titel | default('') }}",
                m);
    }

    @Test
    void aMetadataFieldSomeDocumentsHaveRejectsOnlyTheOthersNamingTheField() {
        String yaml = "prompts: [{name: wiki, user: \"{{ meta.title }}: {{ text }}\"}]\n";
        assertDoesNotThrow(() -> RecipeCheck.compile(RecipeYaml.parse(yaml), null, DOCS));
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
        assertDoesNotThrow(() -> RecipeCheck.compile(RecipeYaml.parse(optional), null, DOCS));
        String guarded =
                "prompts: [{name: wiki, user: \"{% if meta.titel is defined %}{{ meta.titel }}{% endif %}{{ text }}\"}]\n";
        assertDoesNotThrow(() -> RecipeCheck.compile(RecipeYaml.parse(guarded), null, DOCS));
    }

    /** Jinjava fails only an expression whose whole value is nothing; a field read as an argument is watched apart. */
    @Test
    void aMetadataFieldReadAsAnArgumentIsCheckedAsOneReadOutright() {
        String m = refusal("prompts: [{name: wiki, user: \"{{ text | replace(meta.titel, '') }}\"}]\n", DOCS);
        assertTrue(
                m.startsWith("spec.recipe.prompts[0].user: variant wiki, line 1: meta.titel is in none of the first 2"),
                m);
        assertTrue(m.contains("did you mean meta.title?"), m);
        String yaml = "prompts: [{name: wiki, user: \"{{ text | replace(meta.title, '') }} {{ 'x' ~ meta.year }}\"}]\n";
        assertDoesNotThrow(() -> RecipeCheck.compile(RecipeYaml.parse(yaml), null, DOCS));
        RecipeEngine engine = RecipeEngine.create(
                RecipeYaml.parse(yaml),
                new FakeModel(r -> FakeModel.stop("ok")),
                BpeTokenCounter.instance(),
                new EngineSettings("m", "h"));
        DocumentOutcome without =
                engine.process(DOCS.get(0)).toCompletableFuture().join();
        assertEquals(ItemReason.TEMPLATE_ERROR, without.rejects().get(0).reason());
        assertTrue(
                without.rejects()
                        .get(0)
                        .detail()
                        .startsWith(
                                "variant wiki: template user, line 1: meta.title: the document has no field 'title' (it has: "),
                without.rejects().get(0).detail());
        assertEquals(
                1,
                engine.process(DOCS.get(1))
                        .toCompletableFuture()
                        .join()
                        .outputs()
                        .size());
        String guarded = "prompts: [{name: wiki, user: \"{{ text | replace(meta.titel | default('#'), '') }}\"}]\n";
        assertDoesNotThrow(() -> RecipeCheck.compile(RecipeYaml.parse(guarded), null, DOCS));
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
        assertDoesNotThrow(() -> RecipeCheck.compile(RecipeYaml.parse(yaml), null, DOCS));
        String m = refusal(yaml, List.of(DOCS.get(0), new SourceDocument("c", "x", Map.of("lang", "de"))));
        assertTrue(m.contains("meta.title is in none of the first 1 documents"), m);
    }

    private static List<String> problems(String yaml, Integer maxModelLen) {
        return RecipeCheck.problems(RecipeYaml.parse(yaml), maxModelLen).stream()
                .map(RecipeCheck.Problem::toString)
                .toList();
    }

    @Test
    void aStageReadingItsOwnReplyIsToldSo() {
        String m = refusal("""
                stages:
                  - {name: summary, user: "Improve {{ stages.summary }} of {{ text }}"}
                prompts:
                  - {name: wiki, user: "{{ stages.summary }} {{ text }}"}
                """, List.of());
        assertTrue(
                m.startsWith("spec.recipe.stages[0].user: stage summary, line 1: stages.summary: stage summary reads"
                        + " its own reply: stages.summary is what this stage's call returns, so its prompt cannot"
                        + " use it"),
                m);
    }

    /** A prompt that reads nothing of the document would send one request, for every document. */
    @Test
    void aPromptThatReadsNothingOfTheDocumentIsRefusedOnItsField() {
        assertEquals(
                List.of(
                        "spec.recipe.stages[0].user: stage s: the prompt reads nothing of the document (none of text,"
                                + " document, id, meta, previous, stages, numbered, chunk in its templates), so every"
                                + " document would get the same request; put {{ text }} where the document goes",
                        "spec.recipe.prompts[0].completion: variant fixed: the prompt reads nothing of the document"
                                + " (none of text, document, id, meta, previous, stages, numbered, chunk in its"
                                + " templates), so every document would get the same request; put {{ text }} where"
                                + " the document goes",
                        "spec.recipe.prompts[1].render: variant card: the prompt reads nothing of the document (none"
                                + " of text, document, id, meta, previous, stages, numbered, chunk in its templates),"
                                + " so every document would get the same output; put {{ text }} where the document"
                                + " goes",
                        "spec.recipe.validators[0].judge.user: judge: the prompt reads nothing of the document (none"
                                + " of source, output, text, document, id, meta, previous, stages, numbered, chunk in"
                                + " its templates), so every document would get the same request; put {{ text }}"
                                + " where the document goes"),
                problems("""
                        stages:
                          - {name: s, system: "{# {{ text }} #}", user: "{% raw %}{{ text }}{% endraw %} 'text'"}
                        prompts:
                          - {name: fixed, completion: "Write {{ 'text' | upper }} now"}
                          - {name: card, render: "{% set n = 1 %}Card {{ n }}"}
                        validators:
                          - {type: judge, judge: {user: "Rate this from 1 to 5."}}
                        """, null));
    }

    /** A completion call sends its completion template alone: a system prompt beside it reads nothing sent. */
    @Test
    void aCompletionThatReadsNothingIsRefusedWhateverItsUnsentSystemPromptReads() {
        assertEquals(
                List.of("spec.recipe.prompts[0].completion: variant raw: the prompt reads nothing of the document"
                        + " (none of text, document, id, meta, previous, stages, numbered, chunk in its templates),"
                        + " so every document would get the same request; put {{ text }} where the document goes"),
                problems("""
                        prompts:
                          - {name: raw, system: "Rewrite {{ text }}", completion: "Write a story."}
                        """, null));
    }

    /** Any variable bound per document will do, in any of the call's templates, in expressions and tags. */
    @Test
    void aPromptReadingTheDocumentThroughAnyOfItsVariablesPasses() {
        for (String reads : List.of(
                "{{ text }}",
                "{{text|upper}}",
                "{{ document }}",
                "{% if meta.lang == 'de' %}German{% endif %}",
                "{{ id }}",
                "{% for p in previous %}{{ p }}{% endfor %}",
                "{{ chunk.index }}",
                "{{ stages.s }}")) {
            String yaml = """
                    stages: [{name: s, user: "Summarise {{ text }}"}]
                    prompts:
                      - {name: v, system: "Rewriter.", user: "%s"}
                      - {name: w, system: "%s", user: "Rewrite it."}
                    """.formatted(reads.replace("\"", "\\\""), reads.replace("\"", "\\\""));
            assertEquals(List.of(), problems(yaml, null), reads);
        }
        assertEquals(List.of(), problems("""
                        mode: program
                        prompts: [{name: p, user: "Edit the lines {{ numbered }}"}]
                        """, null));
        assertEquals(List.of(), problems("""
                        stages: [{name: pairs, parse: json, user: "{{ text }}"}]
                        matrix: {fromStage: pairs}
                        prompts: [{name: v, user: "Write a {{ params.genre }} piece."}]
                        validators:
                          - {type: judge, judge: {user: "Rate {{ output }}"}}
                        """, null));
    }

    @Test
    void anEchoThresholdOfZeroOrAMinAboveMaxIsRefusedOnItsField() {
        // every output is at or above similarity 0, and none lies in [3, 2]: the same reject for every document
        assertEquals(
                List.of(
                        "spec.recipe.prompts[0].validators[0].threshold: 0: every output has a similarity of 0 or"
                                + " more, so every output would be rejected as an echo; use more than 0",
                        "spec.recipe.validators[0].min: 3 is above max 2: no length ratio (output words / source"
                                + " words) lies between them, so every output would be rejected",
                        "spec.recipe.validators[1].min: 500 is above max 100: no length in words lies between them,"
                                + " so every output would be rejected"),
                problems("""
                        prompts:
                          - name: v
                            user: "{{ text }}"
                            validators: [{type: echo, threshold: 0}]
                        validators:
                          - {type: lengthRatio, min: 3, max: 2}
                          - {type: length, min: 500, max: 100}
                          - {type: length, min: 100, max: 100}
                          - {type: repetition, threshold: 0}
                        """, null));
    }

    /** A judge whose score pattern reads its decimals alone where there are some: refused on its field. */
    @Test
    void aScorePatternWhoseFirstGroupMayBeLeftOutIsRefusedOnItsField() {
        String yaml = """
                prompts: [{name: v, user: "{{ text }}"}]
                validators:
                  - {type: judge, scorePattern: "\\\\d+(\\\\.\\\\d+)?", judge: {user: "Rate {{ output }}"}}
                """;
        // the planner refuses it as lint does
        assertTrue(refusal(yaml, DOCS).startsWith("spec.recipe.validators[0].scorePattern: group 1, (\\.\\d+)?"));
        assertEquals(
                List.of("spec.recipe.validators[0].scorePattern: group 1, (\\.\\d+)?, is optional: where it takes"
                        + " part the score would be that group alone, where it does not the whole match; put the"
                        + " score in group 1, or write the group as (?:...) so that the whole match is the score"),
                problems("""
                        prompts: [{name: v, user: "{{ text }}"}]
                        validators:
                          - {type: judge, scorePattern: "\\\\d+(\\\\.\\\\d+)?", judge: {user: "Rate {{ output }}"}}
                          - {type: judge, scorePattern: "[0-9]+", judge: {user: "Rate {{ output }}"}}
                        """, null));
    }

    /** Program mode keeps the page's own line breaks between chunks; a joinWith would have nothing to do. */
    @Test
    void joinWithInProgramModeIsRefusedOnItsField() {
        assertEquals(
                List.of("spec.recipe.chunking.joinWith: program mode joins its edited chunks as the page had them"
                        + " (line ends and blank lines between them kept); joinWith joins rewritten text: remove it"),
                problems("""
                        mode: program
                        chunking: {mode: segments, maxTokens: 400, joinWith: "\\n"}
                        prompts: [{name: p, user: "{{ numbered }}"}]
                        """, null));
    }

    @Test
    void aNegativeLengthRatioLengthOrShareIsRefusedOnItsField() {
        assertEquals(
                List.of(
                        "spec.recipe.prompts[0].validators[0].threshold: -0.1 is negative, and a similarity (0 to 1)"
                                + " never is: every output would be rejected; use more than 0",
                        "spec.recipe.validators[0].min: -1 is negative, and a length ratio (output words / source"
                                + " words) never is: the bound would check nothing; use 0 or more",
                        "spec.recipe.validators[1].max: -5 is negative, and a length in words never is: every output"
                                + " would be rejected; use 0 or more"),
                problems("""
                        prompts:
                          - name: v
                            user: "{{ text }}"
                            validators: [{type: echo, threshold: -0.1}]
                        validators:
                          - {type: lengthRatio, min: -1, max: 3}
                          - {type: length, max: -5}
                          - {type: judge, min: -2, max: 2, threshold: 0, judge: {user: "{{ output }}"}}
                        """, null));
    }

    @Test
    void aMatrixFromAStageThatIsNotThereOrNotJsonIsRefused() {
        assertEquals(
                List.of("spec.recipe.matrix.fromStage: no stage named 'nosuch' (stages: pairs); every document would be"
                        + " rejected, parse_error"),
                problems("""
                        stages: [{name: pairs, parse: json, user: "{{ text }}"}]
                        matrix: {fromStage: nosuch}
                        prompts: [{name: v, user: "{{ params.genre }} {{ text }}"}]
                        """, null));
        assertEquals(
                List.of(
                        "spec.recipe.matrix.fromStage: stage pairs is parsed as sections, but the matrix reads a list of"
                                + " parameter objects: give the stage parse: json"),
                problems("""
                        stages: [{name: pairs, parse: sections, user: "{{ text }}"}]
                        matrix: {fromStage: pairs}
                        prompts: [{name: v, user: "{{ params.genre }} {{ text }}"}]
                        """, null));
    }

    /**
     * A fixed value given twice (up to case and spacing, as combinations are compared) made the same
     * combination twice for every document: each document's second one was skipped, duplicate_params, a skip
     * record per document for a slip of the recipe.
     */
    @Test
    void aFixedMatrixValueGivenTwiceIsRefused() {
        assertEquals(
                List.of("spec.recipe.matrix.parameters.genre[2]: 'News  Report' is the same value as genre[0] 'news"
                        + " report' (values are compared up to case and spacing): every document would get the same"
                        + " combination twice, the second skipped duplicate_params; list each value once"),
                problems("""
                        matrix:
                          parameters:
                            genre: ["news report", "dialogue", "News  Report"]
                            audience: ["children", "adults"]
                        prompts: [{name: v, user: "{{ params.genre }} {{ params.audience }} {{ text }}"}]
                        """, null));
        assertEquals(List.of(), problems("""
                        matrix:
                          parameters:
                            genre: ["news report", "dialogue"]
                            audience: ["dialogue"]
                        prompts: [{name: v, user: "{{ params.genre }} {{ params.audience }} {{ text }}"}]
                        """, null));
    }

    @Test
    void weightsThatLeaveNoVariantToPickAreRefused() {
        assertEquals(
                List.of("spec.recipe.fanout.mode: weighted, but all weights are 0 (prompts[].weight): no document would"
                        + " get a variant"),
                problems("""
                        fanout: {mode: weighted, k: 1}
                        prompts:
                          - {name: a, weight: 0, user: "A {{ text }}"}
                          - {name: b, weight: 0, user: "B {{ text }}"}
                        """, null));
        assertEquals(
                List.of("spec.recipe.routes[1].variants: fanout.mode is weighted, but all weights are 0 for b: no"
                        + " document of this route would get a variant"),
                problems("""
                        fanout: {mode: weighted, k: 1}
                        routes:
                          - {when: "meta.lang == 'en'", variants: [a, b]}
                          - {variants: [b]}
                        prompts:
                          - {name: a, user: "A {{ text }}"}
                          - {name: b, weight: 0, user: "B {{ text }}"}
                        """, null));
    }

    @Test
    void aReplyCapTheModelsContextCannotHoldIsRefusedWhenTheModelIsKnown() {
        String yaml = """
                stages: [{name: s, user: "{{ text }}", sampling: {maxTokens: 8192}}]
                validators: [{type: judge, judge: {user: "{{ output }}", sampling: {maxTokens: 9000}}}]
                prompts: [{name: v, user: "{{ text }}", sampling: {maxTokens: 8191}}]
                """;
        assertEquals(List.of(), problems(yaml, null), "without the model's context length nothing is known");
        List<String> found = problems(yaml, 8192);
        assertEquals(2, found.size(), found.toString());
        assertTrue(
                found.get(0)
                        .startsWith(
                                "spec.recipe.stages[0].sampling.maxTokens: 8192 leaves no room for the prompt in"
                                        + " the model's context (engine.maxModelLen 8192): the server would refuse every request"),
                found.toString());
        assertTrue(
                found.get(1).startsWith("spec.recipe.validators[0].judge.sampling.maxTokens: 9000"), found.toString());
    }

    @Test
    void aChunkedRequestOverTheModelsContextIsWarnedOfNamingWhatToLowerAndOnlyWhenTheModelIsKnown() {
        String segments = """
                chunking: {mode: segments, maxTokens: 3000}
                prompts:
                  - {name: whole, user: "{{ text }}", sampling: {maxTokens: 1500}}
                  - {name: bounded, user: "{{ text }}", maxInputTokens: 2000, sampling: {maxTokens: 1500}}
                """;
        assertEquals(List.of(), RecipeCheck.warnings(RecipeYaml.parse(segments), null));
        assertEquals(List.of(), problems(segments, 3400));
        List<String> found = RecipeCheck.warnings(RecipeYaml.parse(segments), 3400).stream()
                .map(RecipeCheck.Problem::toString)
                .toList();
        assertEquals(2, found.size(), found.toString());
        assertTrue(
                found.get(0).startsWith("spec.recipe.prompts[0].sampling.maxTokens: variant whole: a full-size chunk"),
                found.toString());
        assertTrue(
                found.get(0).contains("+ 3000 (chunking.maxTokens) + 1500 (sampling.maxTokens) = "), found.toString());
        assertTrue(found.get(0).contains("lower chunking.maxTokens or sampling.maxTokens by "), found.toString());
        // maxInputTokens bounds the whole input: that is the field to lower
        assertTrue(
                found.get(1)
                                .contains(
                                        "a request of 2000 (prompts[1].maxInputTokens) + 1500 (sampling.maxTokens) = 3500"
                                                + " tokens, over the model's context (engine.maxModelLen 3400) by 100")
                        && found.get(1).contains("lower prompts[1].maxInputTokens or sampling.maxTokens"),
                found.toString());
        assertEquals(1, RecipeCheck.warnings(RecipeYaml.parse(segments), 3600).size(), "2000 + 1500 fits 3600");

        // autoregressive without contextTokens: contextChunks previous replies of up to sampling.maxTokens each
        String previous = """
                chunking: {mode: autoregressive, maxTokens: 1000, contextChunks: 2}
                prompts: [{name: v, user: "{{ previous | join(' ') }} {{ text }}", sampling: {maxTokens: 1000}}]
                """;
        List<RecipeCheck.Problem> context = RecipeCheck.warnings(RecipeYaml.parse(previous), 3900);
        assertEquals(1, context.size(), context.toString());
        assertTrue(
                context.get(0)
                        .message()
                        .contains("+ 2000 (chunking.contextChunks 2 previous replies of up to 1000"
                                + " tokens) + 1000 (chunking.maxTokens) + 1000 (sampling.maxTokens)"),
                context.toString());
        assertEquals(List.of(), RecipeCheck.warnings(RecipeYaml.parse(previous), 8192));
    }

    @Test
    void aConditionThatCannotBeEvaluatedOnADocumentRejectsItNamingTheError() {
        String yaml = """
                routes:
                  - {when: "meta.qualty_bucket <= 11", variants: [low]}
                  - {variants: [high]}
                prompts:
                  - {name: low, user: "L {{ text }}"}
                  - {name: high, user: "H {{ text }}"}
                """;
        RecipeEngine engine = RecipeEngine.create(
                RecipeYaml.parse(yaml),
                new FakeModel(r -> FakeModel.stop("ok")),
                BpeTokenCounter.instance(),
                new EngineSettings("m", "h"));
        DocumentOutcome out = engine.process(new SourceDocument("d", "Text.", Map.of("quality_bucket", 3L)))
                .toCompletableFuture()
                .join();
        assertEquals(List.of(), out.outputs());
        assertEquals(ItemReason.CONDITION_ERROR, out.rejects().get(0).reason());
        assertEquals(
                "routes[0].when (meta.qualty_bucket <= 11): key 'qualty_bucket' is not present in map; this document's"
                        + " meta has: quality_bucket",
                out.rejects().get(0).detail());

        String m = refusal(yaml, DOCS);
        assertTrue(
                m.startsWith(
                        "spec.recipe.routes[0].when: cannot be evaluated on any of the 2 first documents that reach"
                                + " it, e.g. key 'qualty_bucket' is not present in map"),
                m);
        String guarded = yaml.replace("meta.qualty_bucket <= 11", "has(meta.title) && meta.title == 'B'");
        assertDoesNotThrow(() -> RecipeCheck.compile(RecipeYaml.parse(guarded), null, DOCS));
        String some = yaml.replace("meta.qualty_bucket <= 11", "meta.title == 'B'");
        assertDoesNotThrow(
                () -> RecipeCheck.compile(RecipeYaml.parse(some), null, List.of(DOCS.get(1), DOCS.get(0))),
                "a field some documents have rejects only the others");
    }
}
