package io.palimpsest.worker.recipe.chunk;

import io.palimpsest.api.recipe.Chunking;
import io.palimpsest.worker.recipe.token.TokenCounter;
import java.util.ArrayList;
import java.util.List;

/**
 * Packs adjacent segments into chunks of at most {@code budget} tokens (Nemotron-CC, WRAP). A
 * segment larger than the budget is cut further: a line into sentences, a sentence into words,
 * so no chunk exceeds the budget unless a single word does.
 */
public final class ChunkPacker {
    private final TokenCounter tokens;

    public ChunkPacker(TokenCounter tokens) {
        this.tokens = tokens;
    }

    /**
     * @param budget        tokens per chunk, prompt overhead already subtracted
     * @param minChunkTokens chunks under this size are dropped (0 keeps all)
     */
    public ChunkPlan pack(String documentId, String text, Chunking.SplitOn splitOn, int budget, int minChunkTokens) {
        List<String> pieces = new ArrayList<>();
        for (String segment : Segmenter.split(text, splitOn)) {
            fit(segment, budget, splitOn, pieces);
        }
        List<String> packed = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int currentTokens = 0;
        for (String piece : pieces) {
            int t = tokens.count(piece);
            if (current.length() > 0 && currentTokens + t > budget) {
                packed.add(current.toString());
                current.setLength(0);
                currentTokens = 0;
            }
            current.append(piece);
            currentTokens += t;
        }
        if (current.length() > 0) {
            packed.add(current.toString());
        }
        List<Chunk> chunks = new ArrayList<>();
        int dropped = 0;
        for (String p : packed) {
            String body = stripTrailingNewlines(p);
            if (body.isBlank()) {
                continue;
            }
            int t = tokens.count(body);
            if (t < minChunkTokens) {
                dropped++;
                continue;
            }
            int index = chunks.size();
            chunks.add(new Chunk(Chunk.idOf(documentId, index), index, body, t));
        }
        return new ChunkPlan(chunks, dropped);
    }

    /** The whole document as one chunk. */
    public static ChunkPlan whole(String documentId, String text, int tokenCount) {
        return new ChunkPlan(List.of(new Chunk(Chunk.idOf(documentId, 0), 0, text, tokenCount)), 0);
    }

    private void fit(String segment, int budget, Chunking.SplitOn splitOn, List<String> out) {
        if (tokens.count(segment) <= budget) {
            out.add(segment);
            return;
        }
        List<String> finer =
                splitOn == Chunking.SplitOn.newline ? Segmenter.sentences(segment) : Segmenter.words(segment);
        if (finer.size() <= 1) {
            finer = Segmenter.words(segment);
        }
        if (finer.size() <= 1) {
            out.add(segment);
            return;
        }
        for (String f : finer) {
            fit(f, budget, Chunking.SplitOn.sentence, out);
        }
    }

    private static String stripTrailingNewlines(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r' || s.charAt(end - 1) == ' ')) {
            end--;
        }
        return s.substring(0, end);
    }
}
