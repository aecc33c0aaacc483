package io.palimpsest.sim.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.sim.TestTexts;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The properties a validator checks on a good rewrite. */
class RewriterTest {

    static Stream<Arguments> documents() {
        List<Arguments> out = new ArrayList<>();
        List<String> all = new ArrayList<>(TestTexts.ENGLISH);
        all.add(TestTexts.FRENCH);
        all.add(TestTexts.GERMAN);
        all.add(String.join("\n\n", TestTexts.ENGLISH));
        all.add("IBM, Apple and Google reported results for 2023. Microsoft and Amazon followed in 2024, "
                + "and Nvidia reported in March 2025 with revenue of 60.9 billion dollars.");
        for (String doc : all) {
            for (long seed : new long[] {0, 7, 123456789}) {
                out.add(Arguments.of(doc, seed));
            }
        }
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("documents")
    void keepsEveryNumberAndCapitalisedWord(String source, long seed) {
        String rewrite = Rewriter.rewrite(source, seed);
        for (String n : TextStats.numbers(source)) {
            assertTrue(rewrite.contains(n), () -> "lost number " + n + " in: " + rewrite);
        }
        assertTrue(
                TextStats.capitalisedWords(rewrite).containsAll(TextStats.capitalisedWords(source)),
                () -> "lost a capitalised word: " + rewrite);
    }

    @ParameterizedTest
    @MethodSource("documents")
    void lengthRatioStaysBetween08And13(String source, long seed) {
        double ratio = TextStats.lengthRatio(source, Rewriter.rewrite(source, seed));
        assertTrue(ratio >= 0.8 && ratio <= 1.3, "ratio " + ratio);
    }

    @ParameterizedTest
    @MethodSource("documents")
    void isNoEcho(String source, long seed) {
        String rewrite = Rewriter.rewrite(source, seed);
        double jaccard = TextStats.trigramJaccard(source, rewrite);
        assertTrue(jaccard < 0.5, () -> "trigram Jaccard " + jaccard + " for: " + rewrite);
    }

    @ParameterizedTest
    @MethodSource("documents")
    void staysInTheSameLanguage(String source, long seed) {
        assertEquals(Language.guess(source), Language.guess(Rewriter.rewrite(source, seed)));
    }

    @Test
    void isDeterministicPerSeedAndVariesAcrossSeeds() {
        String a = Rewriter.rewrite(TestTexts.SCIENCE, 1);
        assertEquals(a, Rewriter.rewrite(TestTexts.SCIENCE, 1));
        boolean anyDifferent = false;
        for (long seed = 2; seed < 10; seed++) {
            anyDifferent |= !a.equals(Rewriter.rewrite(TestTexts.SCIENCE, seed));
        }
        assertTrue(anyDifferent, "the seed should choose among alternatives");
    }

    @Test
    void keepsParagraphBreaks() {
        String source = TestTexts.BRIDGE + "\n\n" + TestTexts.STORY;
        String rewrite = Rewriter.rewrite(source, 0);
        assertEquals(2, rewrite.split("\n\n").length);
        assertNotEquals(source, rewrite);
    }

    @Test
    void anUnknownLanguageIsRotatedNotTranslated() {
        String source = "Ilikuwa siku nzuri sana. Watoto walicheza nje mchana wote.";
        String rewrite = Rewriter.rewrite(source, 0);
        assertEquals("Watoto walicheza nje mchana wote. Ilikuwa siku nzuri sana.", rewrite);
        assertEquals("二つ目の文です。これは日本語の文です。", Rewriter.rewrite("これは日本語の文です。二つ目の文です。", 0));
    }
}
