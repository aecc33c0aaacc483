package io.palimpsest.sim.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.palimpsest.sim.TestTexts;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenizerTest {

    @Test
    void piecesJoinBackToTheText() {
        for (String text : List.of(TestTexts.BRIDGE, TestTexts.FRENCH, "  leading and trailing  ", "a\n\nb\tc", "")) {
            assertEquals(text, String.join("", Tokenizer.pieces(text)));
        }
    }

    @Test
    void wordsAndPunctuationAreTokensWithTheirLeadingSpace() {
        assertEquals(List.of("Hello", ",", " world", "!"), Tokenizer.pieces("Hello, world!"));
        assertEquals(List.of("<|user|>", "\nHi"), Tokenizer.pieces("<|user|>\nHi"));
        assertEquals(List.of("abcdefghij", "klm"), Tokenizer.pieces("abcdefghijklm"));
        assertEquals(List.of("x", " "), Tokenizer.pieces("x "));
    }

    @Test
    void everyPrefixOfTokensRetokenizesToItself() {
        List<String> pieces = Tokenizer.pieces(TestTexts.HISTORY);
        for (int n = 0; n <= pieces.size(); n++) {
            String prefix = String.join("", pieces.subList(0, n));
            assertEquals(pieces.subList(0, n), Tokenizer.pieces(prefix));
        }
    }

    @Test
    void countsAndIdsAgreeAndIdsAreStable() {
        String text = TestTexts.SCIENCE;
        assertEquals(Tokenizer.pieces(text).size(), Tokenizer.count(text));
        assertEquals(Tokenizer.count(text), Tokenizer.ids(text).length);
        assertArrayEquals(Tokenizer.ids(text), Tokenizer.ids(text));
        for (int id : Tokenizer.ids(text)) {
            assertEquals(true, id >= 256 && id < Tokenizer.VOCAB_SIZE);
        }
    }
}
