package io.palimpsest.sim.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulator's deterministic tokenizer. The rule, in order of precedence:
 * <ol>
 *   <li>a chat marker {@code <|name|>} (letters and underscores) is one token;</li>
 *   <li>a run of up to 10 letters, marks or digits is one token (longer runs split every 10
 *       characters);</li>
 *   <li>any other non-space character is one token;</li>
 * </ol>
 * each together with the whitespace before it, and whitespace at the very end is one more token.
 * So tokens concatenate back to the exact text, and a prefix of a text's tokens re-tokenizes to
 * itself, which keeps streamed pieces, {@code usage} and {@code /tokenize} consistent. English
 * prose comes out near one token per word, a bit under what BPE tokenizers give. Written as a
 * scanner because every request tokenizes its whole prompt on the event loop.
 */
public final class Tokenizer {
    /** Token ids are hashes into a vocabulary of this size, offset past the special ids. */
    public static final int VOCAB_SIZE = 32_000;
    private static final int FIRST_ORDINARY_ID = 256;
    private static final int MAX_WORD_CHARS = 10;

    private Tokenizer() {
    }

    /** The token strings of {@code text}; joined, they give {@code text} back. */
    public static List<String> pieces(String text) {
        List<String> out = new ArrayList<>(Math.max(4, text.length() / 4));
        int start = 0;
        while (start < text.length()) {
            int end = tokenEnd(text, start);
            out.add(text.substring(start, end));
            start = end;
        }
        return out;
    }

    public static int count(String text) {
        int n = 0;
        int start = 0;
        while (start < text.length()) {
            start = tokenEnd(text, start);
            n++;
        }
        return n;
    }

    /** Stable ids for {@code /tokenize}: FNV-1a of the piece's UTF-8 bytes. */
    public static int[] ids(String text) {
        List<String> pieces = pieces(text);
        int[] ids = new int[pieces.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = idOf(pieces.get(i));
        }
        return ids;
    }

    static int idOf(String piece) {
        int h = 0x811c9dc5;
        for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x01000193;
        }
        return FIRST_ORDINARY_ID + Math.floorMod(h, VOCAB_SIZE - FIRST_ORDINARY_ID);
    }

    /** End of the token that starts at {@code start}. */
    private static int tokenEnd(String s, int start) {
        int i = start;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        if (i == s.length()) {
            return i;
        }
        int marker = markerEnd(s, i);
        if (marker > 0) {
            return marker;
        }
        int cp = s.codePointAt(i);
        if (!Words.isWordChar(cp)) {
            return i + Character.charCount(cp);
        }
        int chars = 0;
        while (i < s.length() && chars < MAX_WORD_CHARS) {
            cp = s.codePointAt(i);
            if (!Words.isWordChar(cp)) {
                break;
            }
            i += Character.charCount(cp);
            chars++;
        }
        return i;
    }

    /** End of a {@code <|name|>} marker at {@code i}, or -1. */
    private static int markerEnd(String s, int i) {
        if (!s.startsWith("<|", i)) {
            return -1;
        }
        int j = i + 2;
        while (j < s.length() && (isAsciiLetter(s.charAt(j)) || s.charAt(j) == '_')) {
            j++;
        }
        return j > i + 2 && s.startsWith("|>", j) ? j + 2 : -1;
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
