package io.palimpsest.sim.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.sim.TestTexts;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenizerTest {
    private static final String CJK_AND_EMOJI = "東京は日本の首都です。 Ça va 🙂 très bien 👍🏽!";

    @Test
    void piecesJoinBackToTheText() {
        for (String text : List.of(
                TestTexts.BRIDGE,
                TestTexts.FRENCH,
                CJK_AND_EMOJI,
                "  leading and trailing  ",
                "a\n\nb\tc",
                "<|system|>\nBe brief.\n<|user|>\nHi <|not a marker|>\n<|assistant|>\n",
                "")) {
            assertEquals(text, String.join("", Tokenizer.pieces(text)));
            assertEquals(Tokenizer.pieces(text).size(), Tokenizer.count(text), text);
            assertEquals(Tokenizer.count(text), Tokenizer.ids(text).length, text);
        }
    }

    @Test
    void tokensAreCl100kBpeTokens() {
        assertEquals(List.of("Hello", ",", " world", "!"), Tokenizer.pieces("Hello, world!"));
        assertEquals(List.of("t", "ik", "token", " is", " great", "!"), Tokenizer.pieces("tiktoken is great!"));
        assertArrayEquals(new int[] {15339, 1917}, Tokenizer.ids("hello world"));
        // Numbers go in groups of up to three digits, as in every cl100k-like vocabulary.
        assertEquals(List.of("202", "6"), Tokenizer.pieces("2026"));
    }

    @Test
    void englishProseHasMoreTokensThanWords() {
        for (String text : List.of(TestTexts.BRIDGE, TestTexts.SCIENCE, TestTexts.HISTORY, TestTexts.HOWTO)) {
            int words = TextStats.wordCount(text);
            int tokens = Tokenizer.count(text);
            assertTrue(tokens > words && tokens < 1.5 * words, words + " words, " + tokens + " tokens");
        }
    }

    @Test
    void aChatMarkerIsOneSpecialToken() {
        assertEquals(List.of("<|user|>", "\n", "Hi"), Tokenizer.pieces("<|user|>\nHi"));
        int[] ids = Tokenizer.ids("<|user|>\nHi");
        assertEquals(Tokenizer.markerId("<|user|>"), ids[0]);
        assertTrue(ids[0] >= 100_277 && ids[0] < Tokenizer.VOCAB_SIZE);
        assertTrue(ids[1] < 100_277 && ids[2] < 100_277);
        // Not a marker: spaces inside, or unclosed.
        assertEquals(
                Tokenizer.count("<| user |>"), Tokenizer.pieces("<| user |>").size());
        assertTrue(Tokenizer.count("<| user |>") > 1);
        assertTrue(Tokenizer.count("<|user") > 1);
    }

    @Test
    void aCharacterSplitOverTokensComesOutWithItsLastToken() {
        List<String> pieces = Tokenizer.pieces("🙂");
        assertTrue(pieces.size() > 1, pieces.toString());
        assertEquals("🙂", pieces.get(pieces.size() - 1));
        pieces.subList(0, pieces.size() - 1).forEach(p -> assertEquals("", p));
    }

    @Test
    void leadingTokensRetokenizeToThemselves() {
        for (String text : List.of(TestTexts.HISTORY, CJK_AND_EMOJI)) {
            int total = Tokenizer.count(text);
            for (int n = 0; n <= total + 1; n++) {
                List<String> lead = Tokenizer.leading(text, n);
                assertTrue(lead.size() <= n && lead.size() >= Math.min(n, total) - 3, n + " -> " + lead.size());
                assertEquals(lead, Tokenizer.pieces(String.join("", lead)));
                assertTrue(text.startsWith(String.join("", lead)));
            }
        }
    }

    @Test
    void idsAreStable() {
        assertArrayEquals(Tokenizer.ids(TestTexts.SCIENCE), Tokenizer.ids(TestTexts.SCIENCE));
        for (int id : Tokenizer.ids(TestTexts.SCIENCE)) {
            assertTrue(id >= 0 && id < Tokenizer.VOCAB_SIZE);
        }
    }
}
