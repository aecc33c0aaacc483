package io.palimpsest.worker.recipe.chunk;

/**
 * A unit sent to the model.
 *
 * @param id     the document id and the chunk's index: "doc-7#2"
 * @param tokens the estimated token count of {@code text}, or {@link #UNCOUNTED} for a whole document
 *               that no budget needed counted
 * @param before what comes before {@code text} in the document from the end of the chunk before it, or from
 *               the document's start for the first: whitespace, as {@code after}
 * @param after  what follows {@code text} in the document up to the next chunk (line breaks, blank lines,
 *               the spaces cut off the end of its last line), or up to the document's end for the last
 *               chunk; empty for a whole document. A program-mode edit keeps it, so that chunks edited
 *               apart join as the page had them
 * @param last   whether nothing of the document follows {@code after}
 */
public record Chunk(String id, int index, String text, int tokens, String before, String after, boolean last) {
    public static final int UNCOUNTED = -1;

    public static String idOf(String documentId, int index) {
        return documentId + "#" + index;
    }
}
