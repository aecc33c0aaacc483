package io.palimpsest.sim.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The simulator's deterministic tokenizer. The rule, in order of precedence:
 * <ol>
 *   <li>a chat marker {@code <|name|>} is one token;</li>
 *   <li>a run of up to 10 letters or digits is one token (longer runs split every 10 characters);</li>
 *   <li>any other non-space character is one token;</li>
 * </ol>
 * each together with the whitespace before it, and whitespace at the very end is one more token.
 * So tokens concatenate back to the exact text, and a prefix of a text's tokens re-tokenizes to
 * itself, which keeps streamed pieces, {@code usage} and {@code /tokenize} consistent. English
 * prose comes out near one token per word, a bit under what BPE tokenizers give.
 */
public final class Tokenizer {
    /** Token ids are hashes into a vocabulary of this size, offset past the special ids. */
    public static final int VOCAB_SIZE = 32_000;
    private static final int FIRST_ORDINARY_ID = 256;
    private static final Pattern TOKEN = Pattern.compile(
            "\\s*(?:<\\|[A-Za-z_]+\\|>|[\\p{L}\\p{N}\\p{M}]{1,10}|[^\\s\\p{L}\\p{N}\\p{M}])|\\s+");

    private Tokenizer() {
    }

    /** The token strings of {@code text}; joined, they give {@code text} back. */
    public static List<String> pieces(String text) {
        List<String> out = new ArrayList<>(Math.max(4, text.length() / 4));
        Matcher m = TOKEN.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    public static int count(String text) {
        int n = 0;
        Matcher m = TOKEN.matcher(text);
        while (m.find()) {
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
}
