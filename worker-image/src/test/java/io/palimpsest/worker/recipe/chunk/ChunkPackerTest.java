package io.palimpsest.worker.recipe.chunk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.recipe.Chunking;
import io.palimpsest.worker.recipe.token.BpeTokenCounter;
import io.palimpsest.worker.recipe.token.TokenCounter;
import java.util.BitSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ChunkPackerTest {
    private final TokenCounter tokens = BpeTokenCounter.instance();
    private final ChunkPacker packer = new ChunkPacker(tokens);

    private static String sentences(int n) {
        return IntStream.rangeClosed(1, n)
                .mapToObj(i -> "Sentence number " + i + " says the tide was high and the boats came home.")
                .collect(Collectors.joining(" "));
    }

    @Test
    void sentenceSplitPacksUpToTheBudgetAndLosesNothing() {
        String text = sentences(60);
        ChunkPlan plan = packer.pack("d", text, Chunking.SplitOn.sentence, 300, 0);
        assertTrue(plan.chunks().size() >= 3);
        for (int i = 0; i < plan.chunks().size(); i++) {
            Chunk c = plan.chunks().get(i);
            assertTrue(c.tokens() <= 300, "chunk " + i + " has " + c.tokens());
            assertEquals("d#" + i, c.id());
            if (i < plan.chunks().size() - 1) {
                assertTrue(c.tokens() > 300 * 0.85, "chunks are packed close to the budget: " + c.tokens());
            }
            assertTrue(c.text().endsWith("home."), "cut only at sentence ends");
        }
        String joined = plan.chunks().stream().map(Chunk::text).collect(Collectors.joining(" "));
        assertEquals(text, joined);
    }

    @Test
    void newlineSplitKeepsLinesTogetherAndCutsOverlongLinesAtSentences() {
        String longLine = sentences(30);
        String text = "Title line\n" + longLine + "\nlast line";
        ChunkPlan plan = packer.pack("d", text, Chunking.SplitOn.newline, 100, 0);
        for (Chunk c : plan.chunks()) {
            assertTrue(c.tokens() <= 100, c.tokens() + " tokens");
        }
        assertEquals(
                text.replace("\n", "").replace(" ", ""),
                plan.chunks().stream()
                        .map(Chunk::text)
                        .collect(Collectors.joining())
                        .replace("\n", "")
                        .replace(" ", ""));
    }

    @Test
    void aShortTailJoinsItsNeighbourAndNothingIsLost() {
        String text = sentences(20) + "\n\nTiny.";
        int budget = tokens.count(sentences(20) + "\n");
        ChunkPlan plan = packer.pack("d", text, Chunking.SplitOn.newline, budget, 10);
        assertEquals(List.of(), plan.dropped());
        assertEquals(2, plan.chunks().size());
        for (Chunk c : plan.chunks()) {
            assertTrue(c.tokens() >= 10 && c.tokens() <= budget, c.tokens() + " tokens");
        }
        assertTrue(
                plan.chunks().get(1).text().endsWith("home.\n\nTiny."),
                plan.chunks().get(1).text());
        assertEquals(
                text, plan.chunks().get(0).text() + " " + plan.chunks().get(1).text());
        assertEquals(
                List.of("d#0", "d#1"), plan.chunks().stream().map(Chunk::id).toList());
    }

    @Test
    void aShortFragmentBetweenLongLinesJoinsOneOfThem() {
        String line = sentences(8);
        String text = line + "\nOk then.\n" + line;
        int budget = tokens.count(line + "\n") + 1;
        ChunkPlan plan = packer.pack("d", text, Chunking.SplitOn.newline, budget, 10);
        assertEquals(List.of(), plan.dropped());
        String joined = plan.chunks().stream().map(Chunk::text).collect(Collectors.joining(" "));
        assertTrue(joined.contains("Ok then."), joined);
        assertEquals(text.replaceAll("\\s+", " "), joined.replaceAll("\\s+", " "));
        plan.chunks().forEach(c -> assertTrue(c.tokens() >= 10 && c.tokens() <= budget, c.tokens() + " tokens"));
    }

    @Test
    void aFragmentNoNeighbourCanTakeIsDroppedAndListedWithItsId() {
        String word = "x".repeat(600);
        String text = word + "\nTiny.";
        int budget = tokens.count(word + "\n") + 1;
        ChunkPlan plan = packer.pack("d", text, Chunking.SplitOn.newline, budget, 10);
        assertEquals(List.of("d#0"), plan.chunks().stream().map(Chunk::id).toList());
        assertEquals(1, plan.dropped().size());
        assertEquals("d#1", plan.dropped().get(0).id());
        assertEquals("Tiny.", plan.dropped().get(0).text());
    }

    @Test
    void aDocumentThatIsOneShortChunkHasNoChunks() {
        ChunkPlan plan = packer.pack("d", "Tiny.", Chunking.SplitOn.newline, 100, 10);
        assertEquals(List.of(), plan.chunks());
        assertEquals(1, plan.dropped().size());
    }

    @Test
    void chineseAndJapaneseSentencesEndAtTheirFullStopsWithoutSpaces() {
        assertEquals(List.of("今天天气很好。", "我们去公园散步！", "你来吗？", "好的．"), Segmenter.sentences("今天天气很好。我们去公园散步！你来吗？好的．"));
        assertEquals(
                List.of("「こんにちは。」", "と彼は言った。\n", "吾輩は猫である。 ", "名前はまだ無い。"),
                Segmenter.sentences("「こんにちは。」と彼は言った。\n吾輩は猫である。 名前はまだ無い。"));
        assertEquals(List.of("円周率は３．１４です。"), Segmenter.sentences("円周率は３．１４です。"));
    }

    @Test
    void chineseTextIsPackedAtSentenceEndsWithinTheBudget() {
        String text = "长城是中国古代的军事防御工程，修建历史可以追溯到西周时期。".repeat(40);
        for (Chunking.SplitOn on : Chunking.SplitOn.values()) {
            ChunkPlan plan = packer.pack("zh", text, on, 120, 0);
            assertTrue(plan.chunks().size() > 5, on + ": " + plan.chunks().size() + " chunks");
            for (Chunk c : plan.chunks()) {
                assertTrue(c.tokens() <= 120, on + ": " + c.tokens() + " tokens");
                assertTrue(c.text().endsWith("。"), "cut at a full stop: " + c.text());
            }
            assertEquals(text, plan.chunks().stream().map(Chunk::text).collect(Collectors.joining()));
        }
    }

    @Test
    void japaneseWithoutAnyBreakIsCutAtTheBudgetAndNothingIsLost() {
        String text = "にほんごのぶんしょうにはくてんもくとうてんもないばあいがあります".repeat(60);
        ChunkPlan plan = packer.pack("ja", text, Chunking.SplitOn.newline, 100, 0);
        assertTrue(plan.chunks().size() > 3, plan.chunks().size() + " chunks");
        for (Chunk c : plan.chunks()) {
            assertTrue(c.tokens() <= 100, c.tokens() + " tokens");
        }
        assertTrue(plan.chunks().get(0).tokens() >= 90, "each cut is as long as fits");
        assertEquals(text, plan.chunks().stream().map(Chunk::text).collect(Collectors.joining()));
    }

    @Test
    void aCutAtTheBudgetNeverSplitsASurrogatePair() {
        String text = "𠮷野家の𩸽".repeat(400);
        ChunkPlan plan = packer.pack("sp", text, Chunking.SplitOn.sentence, 37, 0);
        assertTrue(plan.chunks().size() > 3);
        for (Chunk c : plan.chunks()) {
            assertTrue(c.tokens() <= 37, c.tokens() + " tokens");
            assertFalse(Character.isLowSurrogate(c.text().charAt(0)), "starts with half a character");
            assertFalse(
                    Character.isHighSurrogate(c.text().charAt(c.text().length() - 1)), "ends with half a character");
        }
        assertEquals(text, plan.chunks().stream().map(Chunk::text).collect(Collectors.joining()));
    }

    @Test
    void aCutAtTheBudgetNeverSplitsAnEmojiSequenceAFlagOrALetterFromItsAccents() {
        // a family joined by zero-width joiners, two flags (pairs of regional indicators), letters with combining marks
        String text = "👨‍👩‍👧‍👦🇫🇷🇯🇵e\u0301a\u0300\u0323".repeat(600);
        ChunkPlan plan = packer.pack("gr", text, Chunking.SplitOn.sentence, 41, 0);
        assertTrue(plan.chunks().size() > 10, plan.chunks().size() + " chunks");
        BitSet boundaries = new BitSet();
        Matcher character = Pattern.compile("\\X").matcher(text);
        while (character.find()) {
            boundaries.set(character.end());
        }
        int at = 0;
        for (Chunk c : plan.chunks()) {
            assertTrue(c.tokens() <= 41, c.tokens() + " tokens");
            at += c.text().length();
            assertTrue(
                    boundaries.get(at),
                    "chunk " + c.id() + " ends inside a character as the reader sees it, before "
                            + text.codePoints()
                                    .skip(text.codePointCount(0, at))
                                    .limit(2)
                                    .mapToObj(Integer::toHexString)
                                    .toList());
        }
        assertEquals(text, plan.chunks().stream().map(Chunk::text).collect(Collectors.joining()));
    }

    @Test
    void aSingleCharacterLongerThanTheBudgetIsStillCutAndNothingIsLost() {
        // one letter carrying thousands of combining marks: no boundary a reader would see fits the budget
        String text = "a" + "\u0301\u0323".repeat(3000);
        ChunkPlan plan = packer.pack("zalgo", text, Chunking.SplitOn.sentence, 50, 0);
        assertTrue(plan.chunks().size() > 1, plan.chunks().size() + " chunks");
        for (Chunk c : plan.chunks()) {
            assertTrue(c.tokens() <= 50, c.tokens() + " tokens");
        }
        assertEquals(text, plan.chunks().stream().map(Chunk::text).collect(Collectors.joining()));
    }

    /**
     * What lies between the chunks (line breaks, blank lines, the spaces cut off a chunk's end, a blank run
     * longer than a chunk) is each chunk's before and after: with them the chunks are the document again.
     */
    @Test
    void theChunksWithWhatLiesBetweenThemAreTheDocumentByteForByte() {
        String para = "A line of the page that tells the reader something.\nAnother line of it.  \n";
        for (String text : List.of(
                (para + "\n").repeat(6),
                (para + "\n\n\n").repeat(6) + "end",
                (para + "\n").repeat(6).replace("\n", "\r\n"),
                "\n".repeat(60) + para.repeat(4) + " ".repeat(200) + "\n".repeat(60),
                sentences(12) + "\n\n" + sentences(12))) {
            ChunkPlan plan = packer.pack("d", text, Chunking.SplitOn.newline, 40, 0);
            assertTrue(plan.chunks().size() > 1, text);
            StringBuilder again = new StringBuilder(plan.chunks().get(0).before());
            for (int i = 0; i < plan.chunks().size(); i++) {
                Chunk c = plan.chunks().get(i);
                again.append(c.text()).append(c.after());
                assertEquals(
                        i == 0
                                ? plan.chunks().get(0).before()
                                : plan.chunks().get(i - 1).after(),
                        c.before());
                assertEquals(i == plan.chunks().size() - 1, c.last());
                assertTrue(c.after().isBlank() && c.before().isBlank(), c.toString());
            }
            assertEquals(text, again.toString());
        }
    }
}
