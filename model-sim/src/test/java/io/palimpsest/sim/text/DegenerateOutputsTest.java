package io.palimpsest.sim.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.sim.TestTexts;
import org.junit.jupiter.api.Test;

class DegenerateOutputsTest {
    private final String rewrite = Rewriter.rewrite(TestTexts.HISTORY, 0);

    @Test
    void truncationStopsInsideASentence() {
        String cut = DegenerateOutputs.truncation(rewrite);
        assertTrue(rewrite.startsWith(cut));
        assertTrue(cut.length() < rewrite.length() * 0.7);
        assertTrue(
                !cut.strip().endsWith(".")
                        && !cut.strip().endsWith("!")
                        && !cut.strip().endsWith("?"),
                cut);
    }

    @Test
    void repetitionRunsToTheBudget() {
        String loop = DegenerateOutputs.repetition(rewrite, 200);
        assertTrue(Tokenizer.count(loop) >= 200);
        String[] words = loop.split(" ");
        assertEquals(words[0], words[6], "a six-word phrase repeats");
    }

    @Test
    void refusalAndPreambleLookLikeTheRealThing() {
        assertTrue(DegenerateOutputs.refusal(TestTexts.HISTORY, 0).matches("(?s).*(sorry|unable|can't|cannot).*"));
        String withPreamble = DegenerateOutputs.preamble(rewrite, 0);
        assertTrue(withPreamble.endsWith(rewrite));
        assertTrue(withPreamble.indexOf("\n\n") > 0);
    }

    @Test
    void wrongLanguageIsAnotherLanguageOfSimilarLength() {
        String english = ForeignSentenceBank.paragraphFor(TestTexts.STORY, 0);
        assertEquals(Language.FRENCH, Language.guess(english));
        String french = ForeignSentenceBank.paragraphFor(TestTexts.FRENCH, 0);
        assertEquals(Language.GERMAN, Language.guess(french));
        double ratio = TextStats.lengthRatio(TestTexts.STORY, english);
        assertTrue(ratio >= 1 && ratio < 1.5, "ratio " + ratio);
        assertNotEquals(english, ForeignSentenceBank.paragraphFor(TestTexts.HISTORY, 0));
    }
}
