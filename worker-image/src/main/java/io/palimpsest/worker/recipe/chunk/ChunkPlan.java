package io.palimpsest.worker.recipe.chunk;

import java.util.List;

/**
 * How a document was cut.
 *
 * @param droppedChunks chunks under the minimum segment size, left out (skipped, not rejected)
 */
public record ChunkPlan(List<Chunk> chunks, int droppedChunks) {
    public ChunkPlan {
        chunks = List.copyOf(chunks);
    }
}
