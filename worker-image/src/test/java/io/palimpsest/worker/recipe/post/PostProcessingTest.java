package io.palimpsest.worker.recipe.post;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.recipe.PostStep;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.RecipeYaml;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PostProcessingTest {
    private static PostResult clean(String stepYaml, String reply) {
        return new ReplyCleaner(List.of(RecipeYaml.parse(stepYaml, PostStep.class)), null, "t").clean(reply);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "Sure! Here is the rewritten text:\\n\\nThe tide came in.              | The tide came in.",
                "Certainly! Here's a rewritten version of the document:\\n\\nThe tide. | The tide.",
                "Here is the paraphrased text: The tide came in.                       | The tide came in.",
                "Of course! Below is the rewritten passage:\\n\\nA.\\n\\nB.           | A.\\n\\nB.",
                "The tide came in.\\n\\nThe boats came home.                           | The tide came in.\\n\\nThe boats came home.",
                "Note: the harbour closes at dusk.\\n\\nBoats return.                  | Note: the harbour closes at dusk.\\n\\nBoats return.",
                "Here is what happened at the harbour when the storm came.\\n\\nIt rained. | Here is what happened at the harbour when the storm came.\\n\\nIt rained.",
            })
    void preambleIsCutOnlyWhenItIsOne(String reply, String expected) {
        assertEquals(
                expected.replace("\\n", "\n"),
                clean("{type: stripPreamble}", reply.replace("\\n", "\n")).text());
    }

    @Test
    void markdownBecomesPlainText() {
        String md = "## Key facts\n* **Tide**: high at _noon_\n+ Boats: `12`\n> quoted line\n---\nDone.";
        assertEquals(
                "Key facts\n- Tide: high at noon\n- Boats: 12\nquoted line\nDone.",
                clean("{type: stripMarkdown}", md).text());
    }

    @Test
    void codeExtractionPrefersTheLanguageAndRejectsRepliesWithout() {
        String reply = "Here:\n```text\nnot code\n```\nand\n```python\ndef f():\n    return 1\n```\n";
        assertEquals(
                "def f():\n    return 1",
                clean("{type: extractCode, language: python}", reply).text());
        assertEquals(
                "no_code", clean("{type: extractCode}", "just words").failure().code());
    }

    @Test
    void reasoningBlocksAreRemoved() {
        assertEquals(
                "Answer.",
                clean("{type: stripReasoning}", "<think>long thoughts</think>\nAnswer.")
                        .text());
        assertEquals(
                "Answer.",
                clean("{type: stripReasoning}", "thoughts the template opened</think>Answer.")
                        .text());
        assertEquals(
                "",
                clean("{type: stripReasoning}", "Start. <think>never closed")
                        .text()
                        .replace("Start.", ""));
    }

    @Test
    void patternLinesAreRemoved() {
        assertEquals(
                "Body.",
                clean("{type: stripPattern, pattern: '^Passage:'}", "Passage: 1\nBody.")
                        .text());
    }

    @Test
    void qaPairsKeepAShareGrowingWithLength() {
        QaAppender a =
                new QaAppender(RecipeYaml.parse("{type: appendToOriginal, k: 8, tokensPerItem: 100}", PostStep.class));
        assertEquals(1, a.keep(50, 8));
        assertEquals(3, a.keep(350, 8));
        assertEquals(8, a.keep(5000, 8));
        assertEquals(2, a.keep(5000, 2));
        List<String> pairs = QaAppender.pairs(
                "Question: A? Answer: a.\n1. Question: B?\nAnswer: b.\nQ: C? A: c.\nQuestion: no answer");
        assertEquals(3, pairs.size());
        String composed = a.compose("d", "Original.", "Question: A? Answer: a.\nQuestion: B? Answer: b.", 250)
                .text();
        assertTrue(composed.startsWith("Original.\n\nQuestion: "));
        assertEquals(
                composed,
                a.compose("d", "Original.", "Question: A? Answer: a.\nQuestion: B? Answer: b.", 250)
                        .text(),
                "seeded");
    }

    @Test
    void aReplyWithoutPairsIsNotTheSourceAlone() {
        QaAppender a = new QaAppender(RecipeYaml.parse("{type: appendToOriginal, k: 8}", PostStep.class));
        PostResult r = a.compose("d", "Original.", "The model wrote prose about the topic instead.", 250);
        assertFalse(r.ok());
        assertEquals(ItemReason.PARSE_ERROR, r.failure());
        assertEquals("appendToOriginal: no Question:/Answer: pairs in the reply", r.detail());
    }
}
