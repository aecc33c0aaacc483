package io.palimpsest.worker.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.worker.client.ModelReply;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.program.EditCall;
import io.palimpsest.worker.recipe.program.EditProgram;
import io.palimpsest.worker.recipe.program.NumberedLines;
import io.palimpsest.worker.recipe.program.ProgramExecutor;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.template.TemplateScope;
import io.palimpsest.worker.recipe.token.BpeTokenCounter;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RecipeEngineTest {
    private static final EngineSettings SETTINGS = new EngineSettings("test-model", "sha256:abc");

    private static DocumentOutcome run(Recipe recipe, ModelCall model, SourceDocument doc) {
        return RecipeEngine.create(recipe, model, BpeTokenCounter.instance(), SETTINGS)
                .process(doc)
                .toCompletableFuture()
                .join();
    }

    private static String lines(int n, String prefix) {
        return IntStream.rangeClosed(1, n)
                .mapToObj(i -> prefix + " line " + i + " tells a small fact about the harbour and its boats.")
                .collect(Collectors.joining("\n"));
    }

    @Test
    void autoregressiveChunksSeeThePreviousRewrittenChunkAndJoinInOrder() {
        Recipe recipe = RecipeYaml.parse("""
                chunking: {mode: autoregressive, maxTokens: 40, contextChunks: 1}
                prompts:
                  - name: k2
                    user: "{% if previous %}<previous>{{ previous | join('\\n') }}</previous>{% endif %}<document>{{ text }}</document>"
                """);
        FakeModel model = new FakeModel(
                r -> FakeModel.stop("REWRITE[" + FakeModel.document(r).toUpperCase() + "]"));
        DocumentOutcome out = run(recipe, model, new SourceDocument("d1", lines(6, "Old"), Map.of()));

        assertEquals(1, out.outputs().size(), () -> out.rejects().toString());
        int chunks = model.requests.size();
        assertTrue(chunks >= 3, "a 6-line document over a 40-token budget needs several chunks, got " + chunks);
        for (int i = 1; i < chunks; i++) {
            String previousReply =
                    "REWRITE[" + FakeModel.document(model.requests.get(i - 1)).toUpperCase() + "]";
            assertTrue(
                    FakeModel.lastUser(model.requests.get(i)).contains("<previous>" + previousReply + "</previous>"),
                    "request " + i + " carries the rewrite of chunk " + (i - 1));
        }
        assertFalse(FakeModel.lastUser(model.requests.get(0)).contains("<previous>"));
        String expected = model.requests.stream()
                .map(r -> "REWRITE[" + FakeModel.document(r).toUpperCase() + "]")
                .collect(Collectors.joining("\n"));
        assertEquals(expected, out.outputs().get(0).text());
        assertEquals(
                IntStream.range(0, chunks).mapToObj(i -> "d1#" + i).toList(),
                out.outputs().get(0).provenance().chunkIds());
    }

    @Test
    void segmentsAreRewrittenIndependentlyAndATruncatedSegmentIsRejectedAlone() {
        Recipe recipe = RecipeYaml.parse("""
                chunking: {mode: segments, maxTokens: 40}
                prompts:
                  - name: wiki
                    user: "<document>{{ text }}</document>"
                    sampling: {maxTokens: 100}
                """);
        AtomicInteger n = new AtomicInteger();
        FakeModel model = new FakeModel(r -> FakeModel.document(r).contains("line 3 ")
                ? new ModelReply("cut off mid", "length", 10, 100)
                : FakeModel.stop("Rewritten: " + n.incrementAndGet()));
        DocumentOutcome out = run(recipe, model, new SourceDocument("d2", lines(6, "Old"), Map.of()));

        assertEquals(1, out.outputs().size());
        RejectRecord reject = out.rejects().get(0);
        assertEquals("truncation", reject.reason().code());
        assertEquals(ItemReason.Outcome.REJECTED, reject.outcome());
        List<String> kept = out.outputs().get(0).provenance().chunkIds();
        assertFalse(kept.contains(reject.provenance().chunkIds().get(0)));
        assertEquals(model.requests.size() - 1, kept.size());
    }

    /**
     * Rewritten chunks join with a blank line where the page had a paragraph break between them and with a newline
     * elsewhere, where every join was a newline and a cut at a paragraph break ran two paragraphs together; a
     * joinWith set is taken as it is.
     */
    @Test
    void rewrittenChunksKeepThePagesParagraphBreaksBetweenThem() {
        String paragraph = "One sentence of this paragraph. Another sentence of it here.";
        String page = paragraph + "\n\n\n" + paragraph + " " + paragraph + "\r\n\r\n" + paragraph;
        FakeModel model =
                new FakeModel(r -> FakeModel.stop("R" + FakeModel.document(r).length()));
        String budget = "chunking: {mode: segments, splitOn: sentence, maxTokens: "
                + BpeTokenCounter.instance().count(paragraph) + "%s}\n";
        String prompts = """
                prompts:
                  - name: wiki
                    user: "<document>{{ text }}</document>"
                    sampling: {maxTokens: 100}
                """;

        DocumentOutcome out =
                run(RecipeYaml.parse(budget.formatted("") + prompts), model, new SourceDocument("d", page, Map.of()));

        int n = paragraph.length();
        assertEquals(
                "R" + n + "\n\nR" + n + "\nR" + n + "\n\nR" + n,
                out.outputs().get(0).text());
        DocumentOutcome set = run(
                RecipeYaml.parse(budget.formatted(", joinWith: \" | \"") + prompts),
                model,
                new SourceDocument("d", page, Map.of()));
        assertEquals(
                "R" + n + " | R" + n + " | R" + n + " | R" + n,
                set.outputs().get(0).text());
    }

    @Test
    void stageJsonDrivesTheMatrixAndTheJudgeRejectsLowScores() {
        Recipe recipe = RecipeYaml.parse("""
                stages:
                  - name: pairs
                    user: "Return JSON pairs for <document>{{ text }}</document>"
                    parse: json
                matrix: {fromStage: pairs}
                prompts:
                  - name: maga
                    user: "As {{ params.genre }} for {{ params.audience }}: <document>{{ text }}</document>"
                    validators:
                      - type: judge
                        threshold: 3
                        judge:
                          user: "JUDGE {{ params.genre }} source={{ source }} output={{ output }}"
                """);
        FakeModel model = new FakeModel(r -> {
            String u = FakeModel.lastUser(r);
            if (u.startsWith("Return JSON")) {
                return FakeModel.stop("""
                        Here you go:
                        ```json
                        {"pairs": [{"genre": "tale", "audience": "kids"}, {"genre": "news", "audience": "adults"},
                                   {"genre": "lecture", "audience": "students"}]}
                        ```""");
            }
            if (u.startsWith("JUDGE")) {
                return FakeModel.stop(u.startsWith("JUDGE news") ? "Score: 2" : "Score: 4");
            }
            return FakeModel.stop("A " + u.substring(3, u.indexOf(':')) + " version of the text.");
        });
        DocumentOutcome out = run(
                recipe, model, new SourceDocument("d3", "The mill turned grain into flour for the village.", Map.of()));

        assertEquals(
                List.of("tale", "lecture"),
                out.outputs().stream()
                        .map(o -> o.provenance().params().get("genre"))
                        .toList());
        assertEquals("kids", out.outputs().get(0).provenance().params().get("audience"));
        assertEquals(4.0, out.outputs().get(0).provenance().extra().get("judge_score"));
        assertEquals(1, out.rejects().size());
        assertEquals("judge", out.rejects().get(0).reason().code());
        assertEquals("news", out.rejects().get(0).provenance().params().get("genre"));
        assertEquals(1 + 3 + 3, out.usage().calls(), "one stage call, three rewrites, three judge calls");
    }

    @Test
    void matrixOutputsHaveIdsOfTheirOwnAndARepeatedPairIsRewrittenOnce() {
        Recipe recipe = RecipeYaml.parse("""
                stages:
                  - name: pairs
                    user: "Return JSON pairs for <document>{{ text }}</document>"
                    parse: json
                matrix: {fromStage: pairs}
                prompts:
                  - name: maga
                    user: "As {{ params.genre }} for {{ params.audience }}: <document>{{ text }}</document>"
                """);
        FakeModel model = new FakeModel(r -> FakeModel.lastUser(r).startsWith("Return JSON")
                ? FakeModel.stop("[{\"genre\": \"tale\", \"audience\": \"kids\"},"
                        + " {\"genre\": \"news\", \"audience\": \"adults\"},"
                        + " {\"genre\": \"Tale\", \"audience\": \"kids\"}]")
                : FakeModel.stop(
                        "A version of the text for " + FakeModel.lastUser(r).substring(3, 7)));
        DocumentOutcome out = run(
                recipe, model, new SourceDocument("d3", "The mill turned grain into flour for the village.", Map.of()));

        assertEquals(
                List.of("d3#p0", "d3#p1"),
                out.outputs().stream().map(OutputRecord::id).toList());
        assertEquals(
                List.of("d3", "d3"),
                out.outputs().stream().map(o -> o.provenance().sourceId()).toList());
        assertEquals(1 + 2, out.usage().calls(), "the repeated pair is not rewritten again");
        assertEquals(1, out.rejects().size());
        RejectRecord duplicate = out.rejects().get(0);
        assertEquals(ItemReason.DUPLICATE_PARAMS, duplicate.reason());
        assertEquals(ItemReason.Outcome.SKIPPED, duplicate.outcome());
        assertEquals("Tale", duplicate.provenance().params().get("genre"));
        assertFalse(out.skipped());
    }

    /**
     * Asked for a list of five pairs, a model may answer one pair as a bare object: a list of one, as
     * short as a list of one would be. Anything else that is no list of objects stays parse_error.
     */
    @Test
    void aStageAnsweringOnePairAsABareObjectGivesOneCombination() {
        Recipe recipe = RecipeYaml.parse("""
                stages:
                  - name: pairs
                    user: "Return a JSON list of five pairs for <document>{{ text }}</document>"
                    parse: json
                matrix: {fromStage: pairs, limit: 5}
                prompts:
                  - name: maga
                    user: "As {{ params.genre }} for {{ params.audience }}: <document>{{ text }}</document>"
                """);
        String[] pairs = {"```json\n{\"genre\": \"tale\", \"audience\": \"kids\"}\n```"};
        FakeModel model = new FakeModel(r -> FakeModel.lastUser(r).startsWith("Return")
                ? FakeModel.stop(pairs[0])
                : FakeModel.stop(
                        "A version of the text for " + FakeModel.lastUser(r).substring(3, 7)));
        SourceDocument doc = new SourceDocument("d3", "The mill turned grain into flour for the village.", Map.of());
        DocumentOutcome out = run(recipe, model, doc);
        assertEquals(List.of(), out.rejects());
        assertEquals(
                List.of("d3#p0"), out.outputs().stream().map(OutputRecord::id).toList());
        assertEquals(
                Map.of("genre", "tale", "audience", "kids"),
                out.outputs().get(0).provenance().params());
        assertEquals(2, out.usage().calls(), "the stage, then one rewrite");

        for (String notPairs : List.of(
                "{}",
                "{\"pair\": {\"genre\": \"tale\", \"audience\": \"kids\"}}",
                "{\"pairs\": []}",
                "5",
                "[\"tale\"]")) {
            pairs[0] = notPairs;
            DocumentOutcome refused = run(recipe, model, doc);
            assertEquals(List.of(), refused.outputs(), notPairs);
            assertEquals(ItemReason.PARSE_ERROR, refused.rejects().get(0).reason(), notPairs);
        }
    }

    @Test
    void withoutAMatrixAnOutputKeepsTheDocumentId() {
        Recipe recipe = RecipeYaml.parse("""
                prompts:
                  - {name: wiki, user: "WIKI {{ text }}"}
                """);
        FakeModel model = new FakeModel(r -> FakeModel.stop("Fine text about the mill."));
        assertEquals("m", run(recipe, model, doc(Map.of())).outputs().get(0).id());
    }

    @Test
    void appendToOriginalRejectsAReplyWithoutPairsInsteadOfWritingTheSource() {
        Recipe recipe = RecipeYaml.parse("""
                prompts:
                  - name: qa
                    user: "QA <document>{{ text }}</document>"
                    postProcess: [{type: appendToOriginal, k: 4}]
                """);
        String[] reply = {"Here is a summary of the mill and its flour instead of questions."};
        FakeModel model = new FakeModel(r -> FakeModel.stop(reply[0]));
        SourceDocument doc = new SourceDocument("q", "The mill turned grain into flour for the village.", Map.of());

        DocumentOutcome none = run(recipe, model, doc);
        assertTrue(none.outputs().isEmpty(), () -> "written: " + none.outputs());
        assertEquals(ItemReason.PARSE_ERROR, none.rejects().get(0).reason());
        assertEquals(reply[0], none.rejects().get(0).output());

        reply[0] = "Question: What did the mill make? Answer: Flour.";
        DocumentOutcome some = run(recipe, model, doc);
        assertEquals(doc.text() + "\n\n" + reply[0], some.outputs().get(0).text());
    }

    @Test
    void programModeRejectsCutProgramsFailedCleaningAndResultsTheValidatorsReject() {
        Recipe recipe = RecipeYaml.parse("""
                mode: program
                program: {minWords: 3}
                prompts:
                  - name: prox
                    user: "{{ numbered }}"
                    sampling: {maxTokens: 64}
                    postProcess: [{type: stripSentinel, sentinel: "PROGRAM:"}]
                    validators: [{type: length, max: 60}]
                """);
        String text = lines(8, "Para");
        ModelReply[] reply = {new ModelReply("PROGRAM:\nremove_lines(2, 3)\nremove_lines(4,", "length", 10, 64)};
        FakeModel model = new FakeModel(r -> reply[0]);

        DocumentOutcome cut = run(recipe, model, new SourceDocument("p", text, Map.of()));
        assertTrue(cut.outputs().isEmpty(), () -> "written: " + cut.outputs());
        assertEquals(ItemReason.TRUNCATION, cut.rejects().get(0).reason());

        reply[0] = FakeModel.stop("remove_lines(2, 3)");
        DocumentOutcome unsentinelled = run(recipe, model, new SourceDocument("p", text, Map.of()));
        assertTrue(unsentinelled.outputs().isEmpty(), () -> "written: " + unsentinelled.outputs());
        assertEquals(ItemReason.MISSING_SENTINEL, unsentinelled.rejects().get(0).reason());

        reply[0] = FakeModel.stop("PROGRAM:\nremove_lines(7, 8)");
        DocumentOutcome tooLong = run(recipe, model, new SourceDocument("p", text, Map.of()));
        assertTrue(tooLong.outputs().isEmpty(), "six lines of twelve words are over the length limit of 60");
        assertEquals(ItemReason.LENGTH, tooLong.rejects().get(0).reason());

        reply[0] = FakeModel.stop("PROGRAM:\nremove_lines(4, 8)");
        DocumentOutcome kept = run(recipe, model, new SourceDocument("p", text, Map.of()));
        assertEquals(
                String.join("\n", List.of(text.split("\n")).subList(0, 3)),
                kept.outputs().get(0).text());
    }

    @Test
    void aShortTailIsRewrittenWithItsNeighbourAndAnUnplaceableOneIsRecorded() {
        FakeModel model = new FakeModel(r -> FakeModel.stop("R[" + FakeModel.document(r) + "]"));
        String body = lines(2, "Old");
        DocumentOutcome joined = run(
                segmentsOf(BpeTokenCounter.instance().count(body + "\n") + 1),
                model,
                new SourceDocument("t", body + "\nThe end.", Map.of()));
        assertTrue(joined.rejects().isEmpty(), () -> joined.rejects().toString());
        assertEquals(List.of("t#0", "t#1"), joined.outputs().get(0).provenance().chunkIds());
        assertTrue(joined.outputs().get(0).text().contains("The end."), "the tail is rewritten, not dropped");

        String word = "y".repeat(300);
        DocumentOutcome dropped = run(
                segmentsOf(BpeTokenCounter.instance().count(word + "\n") + 1),
                model,
                new SourceDocument("u", word + "\nThe end.", Map.of()));
        assertEquals(List.of("u#0"), dropped.outputs().get(0).provenance().chunkIds());
        RejectRecord r = dropped.rejects().get(0);
        assertEquals(ItemReason.SHORT_CHUNK, r.reason());
        assertEquals(ItemReason.Outcome.SKIPPED, r.outcome());
        assertEquals(List.of("u#1"), r.provenance().chunkIds());
        assertEquals("The end.", r.output());
    }

    private static Recipe segmentsOf(int maxTokens) {
        return RecipeYaml.parse("""
                chunking: {mode: segments, maxTokens: %d, minSegmentTokens: 5}
                prompts:
                  - name: wiki
                    user: "<document>{{ text }}</document>"
                """.formatted(maxTokens));
    }

    @Test
    void japaneseWithoutSpacesIsCutToFitMaxInputTokensInsteadOfSkipped() {
        Recipe recipe = RecipeYaml.parse("""
                chunking: {mode: segments, maxTokens: 400}
                prompts:
                  - name: wiki
                    user: "<document>{{ text }}</document>"
                    maxInputTokens: 120
                """);
        FakeModel model = new FakeModel(r -> FakeModel.stop("要約"));
        String text = "にほんごのぶんしょうにはくてんもくとうてんもないばあいがあります".repeat(30);
        DocumentOutcome out = run(recipe, model, new SourceDocument("ja", text, Map.of()));
        assertTrue(out.rejects().isEmpty(), () -> out.rejects().toString());
        assertTrue(model.requests.size() > 3, model.requests.size() + " requests");
        assertEquals(text, model.requests.stream().map(FakeModel::document).collect(Collectors.joining()));
    }

    @Test
    void autoregressiveContextIsCutToFitMaxInputTokensWithoutContextTokens() {
        Recipe recipe = RecipeYaml.parse("""
                chunking: {mode: autoregressive, maxTokens: 40, contextChunks: 4}
                prompts:
                  - name: k2
                    user: "{% if previous %}<previous>{{ previous | join('|') }}</previous>{% endif %}<document>{{ text }}</document>"
                    maxInputTokens: 150
                """);
        FakeModel model =
                new FakeModel(r -> FakeModel.stop("REWRITE " + FakeModel.document(r) + " " + FakeModel.document(r)));
        DocumentOutcome out = run(recipe, model, new SourceDocument("a", lines(12, "Old"), Map.of()));

        assertEquals(1, out.outputs().size(), () -> out.rejects().toString());
        assertTrue(model.requests.size() >= 4, model.requests.size() + " requests");
        for (ModelRequest r : model.requests) {
            assertTrue(
                    BpeTokenCounter.instance().count(r.inputText()) <= 150,
                    "every prompt fits: " + BpeTokenCounter.instance().count(r.inputText()));
        }
        String last = FakeModel.lastUser(model.requests.get(model.requests.size() - 1));
        assertTrue(last.contains("<previous>"), "the newest previous chunk is kept: " + last);
    }

    @Test
    void aPromptThatOverflowsAfterPaidCallsIsRejectedNotSkipped() {
        Recipe recipe = RecipeYaml.parse("""
                chunking: {mode: autoregressive, maxTokens: 40}
                prompts:
                  - name: k2
                    user: "{% if chunk.index == 1 %}LONG{% endif %}<document>{{ text }}</document>"
                    maxInputTokens: 80
                """.replace("LONG", "Remember the harbour. ".repeat(20)));
        FakeModel model = new FakeModel(r -> FakeModel.stop("REWRITE " + FakeModel.document(r)));
        DocumentOutcome out = run(recipe, model, new SourceDocument("b", lines(6, "Old"), Map.of()));

        assertTrue(out.outputs().isEmpty());
        assertEquals(1, out.usage().calls(), "the first chunk was paid for");
        assertFalse(out.skipped());
        assertEquals(ItemReason.INPUT_TOO_LONG_AFTER_CALLS, out.rejects().get(0).reason());
        assertEquals(ItemReason.Outcome.REJECTED, out.rejects().get(0).outcome());
    }

    @Test
    void maxInputTokensUnderThePromptsOwnTokensIsRefusedBeforeAnyDocument() {
        Recipe recipe = RecipeYaml.parse("""
                chunking: {mode: segments, maxTokens: 100}
                prompts:
                  - name: wiki
                    user: "Rewrite the passage below in the style of an encyclopedia, keeping every fact. {{ text }}"
                    maxInputTokens: 12
                """);
        RecipeException e = assertThrows(
                RecipeException.class,
                () -> RecipeEngine.create(
                        recipe, new FakeModel(r -> FakeModel.stop("x")), BpeTokenCounter.instance(), SETTINGS));
        assertTrue(e.getMessage().startsWith("variant wiki: maxInputTokens 12 leaves no room"), e.getMessage());
    }

    @Test
    void maxInputTokensOfAPromptThatCannotBeRenderedWithoutADocumentIsRefusedNamingTheField() {
        // (the compile check refuses {{ txt }} first; the budget check does not leave it to each document either)
        Recipe recipe = RecipeYaml.parse("""
                prompts:
                  - name: wiki
                    system: "Keep {{ txt }}."
                    user: "{{ text }}"
                    maxInputTokens: 200
                """);
        RecipeException e = assertThrows(
                RecipeException.class,
                () -> InputBudget.check(
                        "variant wiki",
                        recipe.getPrompts().get(0),
                        null,
                        true,
                        new PromptRenderer().scoped(TemplateScope.ofVariant(recipe)),
                        BpeTokenCounter.instance()));
        assertTrue(
                e.getMessage()
                        .startsWith("variant wiki: maxInputTokens 200 cannot be checked: the prompt without a"
                                + " document fails, template system, line 1: "),
                e.getMessage());
    }

    @Test
    void aStageHoldsItsPromptToMaxInputTokens() {
        Recipe recipe = RecipeYaml.parse("""
                stages:
                  - name: outline
                    user: "OUTLINE {{ text }}"
                  - name: review
                    user: "REVIEW {{ text }} given {{ stages.outline }}"
                    maxInputTokens: MAX
                prompts:
                  - name: wiki
                    user: "WIKI {{ text }}"
                """.replace("MAX", "60"));
        FakeModel model = new FakeModel(r -> FakeModel.stop("Fine text."));
        DocumentOutcome out = run(recipe, model, new SourceDocument("s", lines(6, "Old"), Map.of()));
        assertTrue(out.outputs().isEmpty());
        assertEquals(1, model.requests.size(), "the outline was called, the review was not");
        assertEquals(ItemReason.INPUT_TOO_LONG_AFTER_CALLS, out.rejects().get(0).reason());
        assertTrue(
                out.rejects().get(0).detail().startsWith("stage review: "),
                out.rejects().get(0).detail());

        Recipe first = RecipeYaml.parse("""
                stages:
                  - name: review
                    user: "REVIEW {{ text }}"
                    maxInputTokens: 60
                prompts:
                  - name: wiki
                    user: "WIKI {{ text }}"
                """);
        FakeModel none = new FakeModel(r -> FakeModel.stop("Fine text."));
        DocumentOutcome skipped = run(first, none, new SourceDocument("s", lines(6, "Old"), Map.of()));
        assertTrue(skipped.skipped());
        assertEquals(ItemReason.INPUT_TOO_LONG, skipped.rejects().get(0).reason());
        assertEquals(0, none.requests.size());

        RecipeException e = assertThrows(
                RecipeException.class,
                () -> RecipeEngine.create(RecipeYaml.parse("""
                                stages:
                                  - name: review
                                    user: "Review the whole document below and list every problem you find. {{ text }}"
                                    maxInputTokens: 8
                                prompts:
                                  - name: wiki
                                    user: "WIKI {{ text }}"
                                """), none, BpeTokenCounter.instance(), SETTINGS));
        assertTrue(e.getMessage().startsWith("stage review: maxInputTokens 8 leaves no room"), e.getMessage());
    }

    @Test
    void celRoutesSendLowAndHighBucketsToDifferentVariants() {
        Recipe recipe = RecipeYaml.parse("""
                routes:
                  - {when: "meta.bucket <= 11", variants: [wiki]}
                  - {when: "meta.bucket > 11", variants: [qa, distill]}
                prompts:
                  - {name: wiki, user: "WIKI {{ text }}"}
                  - {name: qa, user: "QA {{ text }}"}
                  - {name: distill, user: "DISTILL {{ text }}"}
                """);
        FakeModel model = new FakeModel(
                r -> FakeModel.stop("Fine text about " + FakeModel.lastUser(r).split(" ")[0]));
        assertEquals(List.of("wiki"), variants(run(recipe, model, doc(Map.of("bucket", 3L)))));
        assertEquals(List.of("qa", "distill"), variants(run(recipe, model, doc(Map.of("bucket", 17L)))));
        assertEquals(List.of("qa", "distill"), variants(run(recipe, model, doc(Map.of("bucket", 12.0)))));
        DocumentOutcome none = run(recipe, model, doc(Map.of("bucket", "high")));
        assertFalse(none.skipped(), "a condition that cannot be evaluated is not a quiet no_route");
        assertEquals("condition_error", none.rejects().get(0).reason().code());
    }

    @Test
    void programModeRemovesExactlyTheNamedLinesAndFallsBackOnMalformedPrograms() {
        Recipe recipe = RecipeYaml.parse("""
                mode: program
                program: {maxMalformed: 2, minWords: 3, minKeptFraction: 0.05}
                prompts:
                  - name: prox
                    user: "{{ numbered }}"
                """);
        String text = lines(8, "Para");
        String[] program = {"remove_lines(2, 3)\nnormalize(source_str=\"harbour\", target_str=\"harbor\")\nkeep_doc()"};
        FakeModel model = new FakeModel(r -> FakeModel.stop(program[0]));
        DocumentOutcome out = run(recipe, model, new SourceDocument("p", text, Map.of()));
        List<String> original = List.of(text.split("\n"));
        List<String> expected = IntStream.range(0, 8)
                .filter(i -> i != 1 && i != 2)
                .mapToObj(i -> original.get(i).replace("harbour", "harbor"))
                .toList();
        assertEquals(String.join("\n", expected), out.outputs().get(0).text());
        assertEquals(2, out.outputs().get(0).provenance().extra().get("removed_lines"));
        assertTrue(FakeModel.lastUser(model.requests.get(0)).startsWith("1: Para line 1"));

        program[0] = "remove_lines(2, 3)\nos.system('rm -rf /')\nremove_lines(99, 100)";
        DocumentOutcome fallback = run(recipe, model, new SourceDocument("p", text, Map.of()));
        assertEquals(text, fallback.outputs().get(0).text(), "two malformed calls keep the original");
        assertEquals(true, fallback.outputs().get(0).provenance().extra().get("program_fallback"));

        program[0] = "drop_doc()";
        DocumentOutcome dropped = run(recipe, model, new SourceDocument("p", text, Map.of()));
        assertTrue(dropped.outputs().isEmpty());
        assertEquals("program_drop_doc", dropped.rejects().get(0).reason().code());

        program[0] = "remove_lines(1, 8)";
        assertEquals(
                "program_too_short",
                run(recipe, model, new SourceDocument("p", text, Map.of()))
                        .rejects()
                        .get(0)
                        .reason()
                        .code());
    }

    private static final Recipe PROGRAM_IN_CHUNKS = RecipeYaml.parse("""
            mode: program
            chunking: {mode: segments, maxTokens: 40}
            program: {minWords: 3}
            prompts:
              - name: prox
                user: "{{ numbered }}"
            """);

    /** Pages whose chunks meet at a blank line, at several, with CRLF line ends, with blank lines around them. */
    private static List<String> pagesInChunks() {
        String a = "The harbour opened in spring and the boats came home.\nNobody was late that year at all.\n"
                + "The first boat was the Mary.\nIt carried salt from the south.";
        String b = "The market sold fish, rope and nets to the sailors.\nIts stalls closed at noon.\n"
                + "On Sundays it was shut.\nIn winter it moved indoors.";
        String c = "The lighthouse keeper wrote every ship's name in a book.\nThe book is in the museum.\n"
                + "Visitors may read it.\nIts last page is blank.";
        return List.of(
                a + "\n\n" + b + "\n\n" + c + "\n",
                a + "\n\n\n\n" + b + "\n\n\n" + c,
                (a + "\n\n" + b + "\n\n" + c + "\n").replace("\n", "\r\n"),
                "\n\n" + a + "   \n\n" + b + "\t\n \n" + c + "\n\n\n",
                a.replace("\n", " ").repeat(4) + "\n\n" + b);
    }

    @Test
    void programModeGivesBackAPageInChunksByteForByteWhereEveryProgramKeepsAllLines() {
        for (String page : pagesInChunks()) {
            FakeModel model = new FakeModel(r -> FakeModel.stop("keep_chunk()"));
            DocumentOutcome out = run(PROGRAM_IN_CHUNKS, model, new SourceDocument("p", page, Map.of()));
            assertTrue(model.requests.size() > 2, "the page is cut into chunks: " + model.requests.size());
            assertEquals(page, out.outputs().get(0).text());
        }
    }

    /** A removed line takes its own line end: the chunks join as a program of the whole page would leave it. */
    @Test
    void programModeRemovingEachChunksLastLineLeavesThePageAsOneProgramWouldHave() {
        for (String page : pagesInChunks().subList(0, 4)) {
            List<String> removed = new java.util.ArrayList<>();
            FakeModel model = new FakeModel(r -> {
                String[] shown = FakeModel.lastUser(r).split("\n");
                String last = shown[shown.length - 1];
                synchronized (removed) {
                    removed.add(last.substring(last.indexOf(": ") + 2).stripTrailing());
                }
                return FakeModel.stop("remove_lines(" + shown.length + ", " + shown.length + ")");
            });
            DocumentOutcome out = run(PROGRAM_IN_CHUNKS, model, new SourceDocument("p", page, Map.of()));
            // the same lines removed by one program of the whole page
            List<String> pageLines = NumberedLines.lines(page);
            List<EditCall> calls = IntStream.range(0, pageLines.size())
                    .filter(i -> removed.contains(pageLines.get(i).stripTrailing()))
                    .mapToObj(i -> (EditCall) new EditCall.RemoveLines(i + 1, i + 1))
                    .toList();
            assertTrue(calls.size() > 2, removed::toString);
            assertEquals(
                    ProgramExecutor.apply(page, new EditProgram(calls, 0)).text(),
                    out.outputs().get(0).text());
        }
    }

    /** A line longer than a chunk goes on in the next chunk: removing its part in one chunk joins no two lines. */
    @Test
    void programModeRemovingPartOfALineLongerThanAChunkJoinsNoTwoLines() {
        String longLine =
                String.join(" ", Collections.nCopies(6, "The harbour opened in spring and the boats came home."));
        String page = "A short first line.\n" + longLine + "\nThe keeper wrote every name down.\nThe end.\n";
        FakeModel model = new FakeModel(r -> {
            String[] shown = FakeModel.lastUser(r).split("\n");
            return FakeModel.stop(
                    shown.length == 1 ? "keep_chunk()" : "remove_lines(" + shown.length + ", " + shown.length + ")");
        });
        String tails = run(PROGRAM_IN_CHUNKS, model, new SourceDocument("p", page, Map.of()))
                .outputs()
                .get(0)
                .text();
        assertTrue(tails.startsWith("A short first line.\n"), tails);
        FakeModel heads = new FakeModel(r -> {
            String[] shown = FakeModel.lastUser(r).split("\n");
            return FakeModel.stop(shown.length == 1 ? "keep_chunk()" : "remove_lines(1, 1)");
        });
        String headless = run(PROGRAM_IN_CHUNKS, heads, new SourceDocument("p", page, Map.of()))
                .outputs()
                .get(0)
                .text();
        for (String text : List.of(tails, headless)) {
            for (String line : text.split("\n")) {
                assertTrue(page.contains(line), "a line of the page or a part of one: " + line + " in\n" + text);
            }
        }
    }

    @Test
    void pythonPreFilterSkipsFilesBeforeAnyCall() {
        Recipe recipe = RecipeYaml.parse("""
                preFilters: [{type: pythonSyntax}]
                prompts: [{name: scor, user: "```python\\n{{ text }}```"}]
                """);
        FakeModel model = new FakeModel(r -> FakeModel.stop("```python\nprint(1)\n```"));
        DocumentOutcome bad = run(recipe, model, new SourceDocument("a.py", "print 'hello'\n", Map.of()));
        assertTrue(bad.skipped());
        assertEquals("filter:pythonSyntax", bad.rejects().get(0).reason().code());
        assertEquals(0, model.requests.size());
        assertEquals(
                1,
                run(recipe, model, new SourceDocument("b.py", "print('hello')\n", Map.of()))
                        .outputs()
                        .size());
    }

    @Test
    void renderVariantsWriteFromRecordFieldsWithoutAModel() {
        Recipe recipe = RecipeYaml.parse("""
                prompts:
                  - name: qa
                    render: "Q: What is the capital of {{ meta.country }}?\\nA: {{ meta.capital }}."
                """);
        FakeModel model = new FakeModel(r -> {
            throw new AssertionError("no call expected");
        });
        DocumentOutcome out =
                run(recipe, model, new SourceDocument("r1", "", Map.of("country", "Peru", "capital", "Lima")));
        assertEquals(
                "Q: What is the capital of Peru?\nA: Lima.",
                out.outputs().get(0).text());
        assertEquals(0, out.usage().calls());
    }

    @Test
    void sentinelIsRequiredAndQaPairsAreAppendedToTheOriginal() {
        Recipe recipe = RecipeYaml.parse("""
                prompts:
                  - name: qa
                    user: "<document>{{ text }}</document>"
                    postProcess:
                      - {type: stripSentinel, sentinel: "Here are the questions and answers:"}
                      - {type: appendToOriginal, k: 2, seed: 7}
                """);
        String reply = """
                Here are the questions and answers:
                Question: What turns the mill? Answer: The river.
                Question: What does it make? Answer: Flour.
                Question: Who uses it? Answer: The village.""";
        FakeModel model = new FakeModel(r -> FakeModel.stop(reply));
        DocumentOutcome out =
                run(recipe, model, new SourceDocument("q", "The river turns the mill, which makes flour.", Map.of()));
        String text = out.outputs().get(0).text();
        assertTrue(text.startsWith("The river turns the mill, which makes flour.\n\nQuestion: "));
        assertEquals(2, text.split("Question: ").length - 1);

        FakeModel noSentinel = new FakeModel(r -> FakeModel.stop("Question: What? Answer: That."));
        assertEquals(
                "missing_sentinel",
                run(recipe, noSentinel, new SourceDocument("q", "Some text.", Map.of()))
                        .rejects()
                        .get(0)
                        .reason()
                        .code());
    }

    @Test
    void templateErrorsNameTheVariantAndLineBeforeAnyDocument() {
        Recipe recipe = RecipeYaml.parse("""
                prompts:
                  - name: broken
                    user: "line one\\nline two {% if text %}\\nline three"
                """);
        RecipeException e = assertThrows(
                RecipeException.class,
                () -> RecipeEngine.create(recipe, r -> null, BpeTokenCounter.instance(), SETTINGS));
        assertTrue(e.getMessage().contains("variant broken"), e.getMessage());
        assertTrue(e.getMessage().contains("user"), e.getMessage());
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void provenanceNamesModelSamplingAndRecipe() {
        Recipe recipe = RecipeYaml.parse("""
                prompts:
                  - {name: easy, user: "{{ text }}", sampling: {temperature: 0.5, topP: 0.9, maxTokens: 50}}
                """);
        DocumentOutcome out = run(
                recipe,
                new FakeModel(r -> FakeModel.stop("Simple words.")),
                new SourceDocument("x", "Hard words.", Map.of()));
        Provenance p = out.outputs().get(0).provenance();
        assertEquals("x", p.sourceId());
        assertEquals(List.of("x#0"), p.chunkIds());
        assertEquals("easy", p.variant());
        assertEquals("test-model", p.model());
        assertEquals("sha256:abc", p.recipeHash());
        assertEquals(Map.of("temperature", 0.5, "top_p", 0.9, "max_tokens", 50), p.sampling());
    }

    private static SourceDocument doc(Map<String, Object> meta) {
        return new SourceDocument("m", "A plain paragraph about rivers and the towns that grew beside them.", meta);
    }

    private static List<String> variants(DocumentOutcome o) {
        return o.outputs().stream().map(OutputRecord::variant).toList();
    }
}
