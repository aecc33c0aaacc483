package io.palimpsest.sim.text;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The simulator's tokenizer: the cl100k_base byte-level BPE (the worker's local token counter
 * uses the same table), so prompt and completion counts, KV blocks and {@code /tokenize} come
 * out within the 10-15% that modern BPE vocabularies agree by on prose, rather than one token
 * per word. A chat marker {@code <|name|>} (letters and underscores) is one special token, as
 * a served model's chat template markers are; cl100k itself would split it into five.
 *
 * <p>A token's bytes need not end on a character boundary (a CJK character or an emoji spans
 * several tokens); like vLLM's incremental detokenizer, such a token's piece is empty and the
 * character comes out whole with the token that completes it. So pieces, one per token, join
 * back to the text exactly.
 */
public final class Tokenizer {
    private static final Encoding CL100K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
    /** cl100k's ordinary and special ids end below this; markers are hashed into ids above it. */
    private static final int FIRST_MARKER_ID = 100_277;

    private static final int MARKER_IDS = 1_024;
    /** Token ids are below this. */
    public static final int VOCAB_SIZE = FIRST_MARKER_ID + MARKER_IDS;

    private Tokenizer() {}

    /** Loads the BPE table (about half a second), so that the first request does not pay it. */
    public static void warmUp() {
        CL100K.countTokensOrdinary("warm up");
    }

    /** The token strings of {@code text}, one per token; joined, they give {@code text} back. */
    public static List<String> pieces(String text) {
        List<String> out = new ArrayList<>(Math.max(4, text.length() / 4));
        Utf8Pieces utf8 = new Utf8Pieces(out);
        int start = 0;
        while (start < text.length()) {
            int marker = nextMarker(text, start);
            int segmentEnd = marker < 0 ? text.length() : marker;
            if (segmentEnd > start) {
                IntArrayList ids = CL100K.encodeOrdinary(text.substring(start, segmentEnd));
                for (int i = 0; i < ids.size(); i++) {
                    utf8.add(ids.get(i));
                }
            }
            if (marker < 0) {
                break;
            }
            int end = markerEnd(text, marker);
            out.add(text.substring(marker, end));
            start = end;
        }
        return out;
    }

    public static int count(String text) {
        int n = 0;
        int start = 0;
        while (start < text.length()) {
            int marker = nextMarker(text, start);
            int segmentEnd = marker < 0 ? text.length() : marker;
            if (segmentEnd > start) {
                n += CL100K.countTokensOrdinary(
                        start == 0 && segmentEnd == text.length() ? text : text.substring(start, segmentEnd));
            }
            if (marker < 0) {
                break;
            }
            n++;
            start = markerEnd(text, marker);
        }
        return n;
    }

    /** The token ids, as {@code /tokenize} returns them and prefix caching hashes them. */
    public static int[] ids(String text) {
        IntArrayList out = new IntArrayList(Math.max(4, text.length() / 4));
        int start = 0;
        while (start < text.length()) {
            int marker = nextMarker(text, start);
            int segmentEnd = marker < 0 ? text.length() : marker;
            if (segmentEnd > start) {
                IntArrayList ids = CL100K.encodeOrdinary(
                        start == 0 && segmentEnd == text.length() ? text : text.substring(start, segmentEnd));
                for (int i = 0; i < ids.size(); i++) {
                    out.add(ids.get(i));
                }
            }
            if (marker < 0) {
                break;
            }
            int end = markerEnd(text, marker);
            out.add(markerId(text.substring(marker, end)));
            start = end;
        }
        return out.toArray();
    }

    /**
     * At most {@code maxTokens} leading tokens of {@code text}, as pieces whose joined text
     * tokenizes back to exactly them: a BPE merge can span the cut (the first tokens of a text
     * are not always the tokens of the text they spell), so the cut text is tokenized again, and
     * cut again in the rare case it comes out longer. The usage then counts the text returned.
     */
    public static List<String> leading(String text, int maxTokens) {
        List<String> pieces = pieces(text);
        while (pieces.size() > maxTokens) {
            pieces = pieces(String.join("", pieces.subList(0, maxTokens)));
        }
        return pieces;
    }

    /** FNV-1a of the marker's bytes into the ids above cl100k's. */
    static int markerId(String marker) {
        int h = 0x811c9dc5;
        for (byte b : marker.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x01000193;
        }
        return FIRST_MARKER_ID + Math.floorMod(h, MARKER_IDS);
    }

    /** Start of the first well-formed marker at or after {@code from}, or -1. */
    private static int nextMarker(String s, int from) {
        int at = s.indexOf("<|", from);
        while (at >= 0 && markerEnd(s, at) < 0) {
            at = s.indexOf("<|", at + 2);
        }
        return at;
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

    /**
     * Turns tokens into text pieces, holding back a character's leading bytes. Decoded tokens are
     * memoized (pieces run for every answer on the event loop); a racing fill writes the same value.
     */
    private static final class Utf8Pieces {
        private static final byte[][] BYTES = new byte[FIRST_MARKER_ID][];
        /** The token as a string, when its bytes are whole characters; else null. */
        private static final String[] TEXT = new String[FIRST_MARKER_ID];

        private final List<String> out;
        private byte[] pending = new byte[0];

        Utf8Pieces(List<String> out) {
            this.out = out;
        }

        void add(int id) {
            String text = TEXT[id];
            if (text != null && pending.length == 0) {
                out.add(text);
                return;
            }
            byte[] token = BYTES[id];
            if (token == null) {
                IntArrayList one = new IntArrayList(1);
                one.add(id);
                token = CL100K.decodeBytes(one);
                BYTES[id] = token;
                if (token.length > 0 && (token[0] & 0xC0) != 0x80 && completePrefix(token) == token.length) {
                    TEXT[id] = new String(token, StandardCharsets.UTF_8);
                }
            }
            add(token);
        }

        private void add(byte[] token) {
            byte[] bytes = token;
            if (pending.length > 0) {
                bytes = new byte[pending.length + token.length];
                System.arraycopy(pending, 0, bytes, 0, pending.length);
                System.arraycopy(token, 0, bytes, pending.length, token.length);
            }
            int complete = completePrefix(bytes);
            out.add(new String(bytes, 0, complete, StandardCharsets.UTF_8));
            pending = complete == bytes.length ? new byte[0] : Arrays.copyOfRange(bytes, complete, bytes.length);
        }

        /** Length of the longest prefix of {@code b} that ends on a character boundary. */
        private static int completePrefix(byte[] b) {
            int lead = b.length - 1;
            while (lead >= 0 && (b[lead] & 0xC0) == 0x80) {
                lead--;
            }
            if (lead < 0) {
                return 0;
            }
            int first = b[lead] & 0xff;
            int need = first < 0x80 ? 1 : first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 1;
            return b.length - lead >= need ? b.length : lead;
        }
    }
}
