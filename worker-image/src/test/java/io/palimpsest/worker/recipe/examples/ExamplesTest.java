package io.palimpsest.worker.recipe.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.palimpsest.sim.LoggedRequest;
import io.palimpsest.worker.recipe.filter.PythonLint;
import io.palimpsest.worker.recipe.filter.PythonSyntax;
import io.palimpsest.worker.recipe.token.BpeTokenCounter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every example in examples/ runs through {@code palimpsest local} against the simulator, and the
 * mechanics that make each recipe what it is show in the outputs and in the simulator's request log.
 */
class ExamplesTest {
    @TempDir
    Path out;

    @Test
    void k2KnowledgeRewritesChunksInOrderWithThePreviousRewrittenChunks() throws Exception {
        ExampleRun run = ExampleRun.of("k2-knowledge", out);
        // every document is written or rejected by a fidelity gate, per variant; both gates act on the sample:
        // the simulator's filler words break some spelled numbers ("one thousand truly four hundred"), and
        // the scripted judge gives a 3 now and then
        for (String variant : List.of("narrative", "perspective")) {
            long rejected = run.rejects().stream()
                    .filter(r -> r.path("variant").asText().equals(variant))
                    .count();
            assertEquals(
                    run.inputs().size(), run.outputs(variant).size() + rejected, () -> "rejects: " + run.rejects());
        }
        assertEquals(
                run.rejects().size(),
                run.rejects("facts").size() + run.rejects("judge").size(),
                () -> run.rejects().toString());
        assertFalse(run.rejects("facts").isEmpty());
        assertFalse(run.rejects("judge").isEmpty());
        assertTrue(run.rejects("facts").stream()
                .allMatch(r -> r.path("detail").asText().contains("not backed")));
        Map<String, String> outputText = new HashMap<>();
        run.outputs("narrative")
                .forEach(o ->
                        outputText.put(o.path("id").asText(), o.path("text").asText()));
        int withContext = 0;
        for (LoggedRequest r : run.requests()) {
            String prompt = r.prompt().orElse("");
            int a = prompt.indexOf("<previous>");
            if (a < 0 || !prompt.contains("Retell the next passage")) {
                continue;
            }
            withContext++;
            String previous = prompt.substring(a + "<previous>".length(), prompt.indexOf("</previous>"))
                    .strip();
            String document = r.document().orElseThrow();
            List<String> owners = run.inputs().stream()
                    .filter(i -> i.path("text").asText().contains(document))
                    .map(i -> i.path("id").asText())
                    .toList();
            assertFalse(owners.isEmpty());
            if (owners.stream().noneMatch(outputText::containsKey)) {
                continue; // a rejected document: its rewrite is in rejects, not outputs
            }
            // the template joins the previous chunks with a newline; the output keeps the page's paragraph breaks
            assertTrue(
                    owners.stream().filter(outputText::containsKey).anyMatch(o -> previous.lines()
                            .allMatch(outputText.get(o)::contains)),
                    "the context of a chunk is its document's own earlier rewrite: " + previous);
            assertTrue(
                    owners.stream()
                            .noneMatch(o -> run.input(o).path("text").asText().contains(previous)),
                    "context is rewritten text, not source");
        }
        assertTrue(
                withContext >= 10, "long articles span several chunks: " + withContext + " requests carried context");
        JsonNode longOne = run.outputs("narrative").stream()
                .filter(o -> o.path("provenance").path("chunkIds").size() > 2)
                .findFirst()
                .orElseThrow();
        assertEquals(
                longOne.path("id").asText() + "#0",
                longOne.path("provenance").path("chunkIds").get(0).asText());
    }

    @Test
    void k2MathTranslatesNonEnglishPagesIntoEnglishNotes() throws Exception {
        ExampleRun run = ExampleRun.of("k2-math", out);
        Set<String> translated = ids(run.outputs("translated_notes"));
        Set<String> notes = ids(run.outputs("notes"));
        for (JsonNode in : run.inputs()) {
            String id = in.path("id").asText();
            assertTrue(in.path("lang").asText().equals("en") ? notes.contains(id) : translated.contains(id), id);
        }
        assertEquals(7, translated.size());
        assertTrue(run.rejects().isEmpty(), () -> run.rejects().toString());
        long translationPrompts = run.prompts().stream()
                .filter(p -> p.contains("Translate it into English"))
                .count();
        assertEquals(7, translationPrompts, "only the French and German pages are sent to the translation prompt");
    }

    @Test
    void wrapCutsAtSentencesIntoChunksOfAbout300TokensInFourStyles() throws Exception {
        ExampleRun run = ExampleRun.of("wrap", out);
        for (String style : List.of("easy", "medium", "hard", "qa")) {
            assertEquals(run.inputs().size(), run.outputs(style).size(), style + " rejects: " + run.rejects());
        }
        List<Integer> sizes = run.requests().stream()
                .filter(r -> r.prompt().orElse("").contains("encyclopedia"))
                .map(r -> BpeTokenCounter.instance().count(r.document().orElseThrow()))
                .toList();
        assertTrue(sizes.stream().allMatch(t -> t <= 300), "no chunk over 300 tokens: " + sizes);
        double full = sizes.stream().filter(t -> t > 200).count() / (double) sizes.size();
        assertTrue(full >= 0.5, "most chunks are close to 300 tokens: " + sizes);
        assertTrue(sizes.size() >= 2 * run.inputs().size(), "every page spans at least two chunks");
        for (JsonNode o : run.outputs("hard")) {
            String text = o.path("text").asText();
            assertFalse(
                    text.matches("(?s)^(Sure|Certainly|Of course|Here).*"),
                    "preamble stripped: " + text.substring(0, 60));
            assertTrue(o.has("source"), "real text kept beside the synthetic one (1:1 mix)");
        }
    }

    @Test
    void nemotronRoutesBucketsToDifferentPromptsAndDropsTruncatedOutputs() throws Exception {
        ExampleRun run = ExampleRun.of("nemotron-cc", out);
        Map<String, Set<String>> variantsById = new HashMap<>();
        run.allOutputs().forEach(o -> variantsById
                .computeIfAbsent(o.path("id").asText(), k -> new HashSet<>())
                .add(o.path("provenance").path("variant").asText()));
        run.rejects().forEach(r -> variantsById
                .computeIfAbsent(r.path("id").asText(), k -> new HashSet<>())
                .add(r.path("variant").asText()));
        for (JsonNode in : run.inputs()) {
            String id = in.path("id").asText();
            if (id.equals("ncc-tiny")) {
                continue;
            }
            Set<String> expected = in.path("quality_bucket").asInt() <= 11
                    ? Set.of("wikipedia")
                    : Set.of("diverse_qa", "distill", "extract_knowledge", "knowledge_list");
            assertEquals(expected, variantsById.get(id), id + " bucket " + in.path("quality_bucket"));
        }
        for (LoggedRequest r : run.requests()) {
            String doc = r.document().orElseThrow();
            JsonNode owner = run.inputs().stream()
                    .filter(i -> i.path("text").asText().contains(doc))
                    .findFirst()
                    .orElseThrow();
            boolean low = owner.path("quality_bucket").asInt() <= 11;
            assertEquals(
                    low,
                    r.prompt().orElse("").contains("Encyclopedia passage:"),
                    "low buckets, and only they, get the wiki prompt");
        }
        List<JsonNode> truncated = run.rejects("truncation");
        assertFalse(truncated.isEmpty());
        assertTrue(truncated.stream().allMatch(r -> r.path("text").asText().contains("glacier")));
        assertTrue(
                run.allOutputs().stream()
                        .noneMatch(o -> o.path("text").asText().toLowerCase().contains("glacier")
                                && !o.path("provenance")
                                        .path("variant")
                                        .asText()
                                        .equals("diverse_qa")),
                "no truncated rewrite was written");
        assertEquals(
                "too_short",
                run.rejects().stream()
                        .filter(r -> r.path("id").asText().equals("ncc-tiny"))
                        .findFirst()
                        .orElseThrow()
                        .path("reason")
                        .asText());
        for (JsonNode qa : run.outputs("diverse_qa")) {
            String text = qa.path("text").asText();
            String original = run.input(qa.path("id").asText()).path("text").asText();
            assertTrue(text.startsWith(original.strip()), "QA pairs are appended to the original text");
            assertTrue(text.contains("\n\nQuestion: "));
            assertFalse(text.contains("Questions and answers about the text:"), "sentinel stripped");
        }
    }

    @Test
    void swallowCodeDropsFilesThatDoNotCompileBeforeAnyRequest() throws Exception {
        ExampleRun run = ExampleRun.of("swallowcode", out);
        List<JsonNode> broken = run.inputs().stream()
                .filter(i -> PythonSyntax.check(i.path("text").asText()).isPresent())
                .toList();
        assertEquals(6, broken.size());
        for (JsonNode b : broken) {
            String code = b.path("text").asText();
            assertTrue(
                    run.prompts().stream().noneMatch(p -> p.contains(code.strip())), "no request for " + b.path("id"));
        }
        assertEquals(ids(broken), ids(run.rejects("filter:pythonSyntax")));
        // the paper's lint threshold: of the compiling files, those scoring under 7 are skipped before any call
        List<JsonNode> linty = run.inputs().stream()
                .filter(i -> !broken.contains(i))
                .filter(i -> PythonLint.score(i.path("text").asText()).score() < 7)
                .toList();
        assertFalse(linty.isEmpty());
        assertEquals(ids(linty), ids(run.rejects("filter:pythonLint")));
        assertTrue(
                run.rejects("filter:pythonLint").get(0).path("detail").asText().contains("< 7.0"));
        assertEquals(
                run.inputs().size() - broken.size() - linty.size(),
                run.outputs("scor").size(),
                () -> run.rejects().toString());
        assertEquals(
                2L * run.outputs("scor").size(),
                run.requests().size(),
                "one review and one rewrite per compiling file");
        for (JsonNode o : run.outputs("scor")) {
            assertTrue(PythonSyntax.check(o.path("text").asText()).isEmpty());
            assertFalse(o.path("text").asText().contains("```"), "the fenced block was extracted");
        }
    }

    @Test
    void swallowMathWritesBoxedStepByStepAnswersAndDropsLoops() throws Exception {
        ExampleRun run = ExampleRun.of("swallowmath", out);
        assertFalse(run.rejects("repetition").isEmpty());
        assertTrue(run.rejects("repetition").stream()
                .allMatch(r -> r.path("text").asText().contains("geometric series")));
        assertEquals(
                run.inputs().size() - run.rejects().size(), run.outputs("math").size());
        for (JsonNode o : run.outputs("math")) {
            String text = o.path("text").asText();
            assertTrue(text.contains("## Solution") && text.contains("\\boxed{"), text);
            assertFalse(text.contains("Log in") || text.contains("All rights reserved"), "site chrome removed");
        }
    }

    @Test
    void proxRemovesExactlyTheLinesItsProgramNames() throws Exception {
        ExampleRun run = ExampleRun.of("prox", out);
        Map<String, JsonNode> outputs = run.outputs("prox").stream()
                .collect(Collectors.toMap(o -> o.path("id").asText(), o -> o));
        int checked = 0;
        for (JsonNode in : run.inputs()) {
            String id = in.path("id").asText();
            List<String> lines = List.of(in.path("text").asText().split("\n", -1));
            if (lines.get(0).startsWith("Home | Articles")) {
                List<String> expected = lines.stream()
                        .filter(l -> !l.startsWith("Home | Articles") && !l.startsWith("Share this article"))
                        .toList();
                assertEquals(
                        String.join("\n", expected),
                        outputs.get(id).path("text").asText(),
                        id);
                assertEquals(
                        2,
                        outputs.get(id).path("provenance").path("removed_lines").asInt());
                checked++;
            } else if (lines.size() > 1 && lines.get(1).startsWith("We use cookies")) {
                List<String> expected = lines.stream()
                        .filter(l -> !l.startsWith("We use cookies"))
                        .toList();
                assertEquals(
                        String.join("\n", expected),
                        outputs.get(id).path("text").asText(),
                        id);
                checked++;
            } else if (lines.get(0).contains("casino")) {
                assertFalse(outputs.containsKey(id));
                assertTrue(run.rejects("program_drop_doc").stream()
                        .anyMatch(r -> r.path("id").asText().equals(id)));
            } else if (id.equals("prox-todo")) {
                assertEquals(
                        in.path("text").asText(),
                        outputs.get(id).path("text").asText(),
                        "two malformed calls keep the original");
                assertTrue(outputs.get(id)
                        .path("provenance")
                        .path("program_fallback")
                        .asBoolean());
            } else {
                assertEquals(
                        in.path("text").asText(), outputs.get(id).path("text").asText(), "keep_doc() changes nothing");
            }
        }
        assertEquals(16, checked);
        assertTrue(run.prompts().stream().allMatch(p -> p.contains("\n1: ")), "lines are shown numbered");
    }

    @Test
    void magaWritesFiveGenreAudienceVariantsPerDocumentAndJudgeRejects() throws Exception {
        ExampleRun run = ExampleRun.of("maga", out);
        Map<String, Integer> perDoc = new HashMap<>();
        Set<String> outputIds = new HashSet<>();
        for (JsonNode o : run.outputs("maga")) {
            JsonNode params = o.path("provenance").path("params");
            assertFalse(params.path("genre").asText().isEmpty());
            assertFalse(params.path("audience").asText().isEmpty());
            assertTrue(o.path("provenance").path("judge_score").asDouble() >= 3);
            String source = o.path("provenance").path("sourceId").asText();
            assertTrue(o.path("id").asText().startsWith(source + "#p"), () -> o.toString());
            assertTrue(outputIds.add(o.path("id").asText()), () -> "ids are unique in the output: " + o);
            perDoc.merge(source, 1, Integer::sum);
        }
        List<JsonNode> judged = run.rejects("judge");
        assertFalse(judged.isEmpty(), "some reformulations score below 3");
        judged.forEach(r -> {
            perDoc.merge(r.path("id").asText(), 1, Integer::sum);
            assertTrue(r.path("detail").asText().contains("genre="), "rejects name their genre and audience");
        });
        assertEquals(run.inputs().size(), perDoc.size());
        perDoc.forEach((id, n) -> assertEquals(5, n, id + ": 5 pairs, each written or judge-rejected"));
        assertEquals(
                run.inputs().size() * (1 + 5 + 5),
                run.requests().size(),
                "pairs stage, 5 rewrites, 5 judge calls per document");
    }

    @Test
    void restructuredRendersRecordsWithoutAnyModelCall() throws Exception {
        ExampleRun run = ExampleRun.of("restructured", out);
        assertEquals(0, run.requests().size());
        int total = run.allOutputs().size();
        assertEquals(2 * run.inputs().size(), total, "two of the four templates per record");
        assertTrue(
                run.outputs().keySet().size() >= 3,
                "the seeded choice spreads over the templates: " + run.outputs().keySet());
        JsonNode qa = run.outputs("definition_qa").get(0);
        JsonNode in = run.input(qa.path("id").asText());
        assertTrue(qa.path("text").asText().contains(in.path("definition").asText()));
    }

    private static Set<String> ids(List<JsonNode> records) {
        return records.stream().map(r -> r.path("id").asText()).collect(Collectors.toSet());
    }
}
