package io.palimpsest.worker.show;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShowTextTest {

    @Test
    void foldsWordsKeepsLineBreaksAndCutsWordsLongerThanALine() {
        assertEquals(List.of("one two", "three"), ShowText.fold("one two three", 8));
        assertEquals(List.of("one", "", "two"), ShowText.fold("one\n\ntwo", 8));
        assertEquals(List.of("abcdefgh", "ij k"), ShowText.fold("abcdefghij k", 8));
        assertEquals(List.of(""), ShowText.fold("", 8));
        assertEquals(
                List.of("def f(x):", "    return  x"),
                ShowText.fold("\ndef f(x):\n    return  x\n", 20),
                "code that fits is kept as is");
        assertEquals(
                List.of("    aaa", "    bbb", "    ccc"),
                ShowText.fold("    aaa bbb ccc", 10),
                "wrapped under its indentation");
    }

    @Test
    void labelsRejectsWithReasonDetailAndParameters() {
        ShownOutput shown = new ShownOutput(
                "file:///out/",
                "file:///in/",
                List.of("maga"),
                3,
                2,
                List.of(
                        new ShownDocument(
                                "d1",
                                0,
                                "a.jsonl",
                                4L,
                                "The source text.",
                                null,
                                List.of(
                                        new ShownResult(
                                                null,
                                                ShownResult.Outcome.skipped,
                                                null,
                                                "filter:minLength",
                                                "3 words < 5",
                                                Map.of()),
                                        new ShownResult(
                                                "maga",
                                                ShownResult.Outcome.rejected,
                                                "A bad rewrite.",
                                                "judge",
                                                "score 2.0 < 3.0",
                                                Map.of("genre", "story")))),
                        new ShownDocument("d2", 1, null, null, null, "not found in file:///in/", List.of())),
                true);
        String text = new ShowText(40, 0).render(shown);
        assertTrue(text.contains("shards   2 committed of 3 planned\n"), text);
        assertTrue(text.contains("== d1  (shard 0, a.jsonl:4)\n-- source\n  The source text.\n"), text);
        assertTrue(text.contains("-- every variant: skipped filter:minLength (3 words < 5)\n"), text);
        assertTrue(
                text.contains(
                        "-- maga [genre=story]: rejected judge (score 2.0 < 3.0); the rejected output:\n  A bad rewrite.\n"),
                text);
        assertTrue(text.contains("== d2  (shard 1)\n-- source: not found in file:///in/\n"), text);
        assertTrue(text.endsWith("2 documents shown; more with --limit, --shard or --id\n"), text);
    }

    @Test
    void cutsLongTextsAtAWordAndSaysHowMuchIsLeft() {
        ShownOutput shown = new ShownOutput(
                "o",
                "i",
                List.of("v"),
                1,
                1,
                List.of(new ShownDocument("d", 0, null, null, "alpha beta gamma delta", null, List.of())),
                false);
        String text = new ShowText(40, 12).render(shown);
        assertTrue(text.contains("  alpha beta\n  ... (12 more characters; --max-chars 0 shows all)\n"), text);
        assertThrows(IllegalArgumentException.class, () -> new ShowText(10, 0));
    }

    @Test
    void controlCharactersFromTheCorpusAndTheModelNeverReachTheTerminal() {
        String esc = "\u001b";
        ShownOutput shown = new ShownOutput(
                "o",
                "i",
                List.of("v"),
                1,
                1,
                List.of(new ShownDocument(
                        "evil\n== forged  (shard 9)" + esc + "]0;pwned\u0007",
                        0,
                        "a" + esc + "[2J.jsonl",
                        1L,
                        "line one\r\nline two\thas a tab" + esc + "]52;c;Y3VybCBldmlsfHNo\u0007\rhidden\u202eabc",
                        null,
                        List.of(new ShownResult(
                                "v",
                                ShownResult.Outcome.rejected,
                                "reply\u0008\u0008\u009b31m",
                                "model_refused",
                                "HTTP 400 " + esc + "[31mred\nsecond line",
                                Map.of("k", "x\ny"))))),
                false);
        String text = new ShowText(200, 0).render(shown);
        for (char c : text.toCharArray()) {
            assertTrue(
                    c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f && (c < 0x80 || c > 0x9f) && c != '\u202e'),
                    "a control character reached the output: " + (int) c + "\n" + text);
        }
        assertTrue(
                text.contains(
                        "== evil\\u000a== forged  (shard 9)\\u001b]0;pwned\\u0007  (shard 0, a\\u001b[2J.jsonl:1)\n"),
                text);
        assertTrue(
                text.contains(
                        "  line one\n  line two\thas a tab\\u001b]52;c;Y3VybCBldmlsfHNo\\u0007\\u000dhidden\\u202eabc\n"),
                text);
        assertTrue(
                text.contains("-- v [k=x\\u000ay]: rejected model_refused (HTTP 400 \\u001b[31mred\\u000asecond line)"),
                text);
        assertTrue(text.contains("  reply\\u0008\\u0008\\u009b31m\n"), text);
        assertEquals(1, text.split("\n== ", -1).length - 1, "one heading per document: " + text);
    }
}
