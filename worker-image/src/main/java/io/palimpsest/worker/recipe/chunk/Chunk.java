package io.palimpsest.worker.recipe.chunk;

/**
 * A unit sent to the model.
 *
 * @param id     the document id and the chunk's index: "doc-7#2"
 * @param tokens the estimated token count of {@code text}, or {@link #UNCOUNTED} for a whole document
 *               that no budget needed counted
 */
public record Chunk(String id, int index, String text, int tokens) {
    public static final int UNCOUNTED = -1;

    public static String idOf(String documentId, int index) {
        return documentId + "#" + index;
    }
}
