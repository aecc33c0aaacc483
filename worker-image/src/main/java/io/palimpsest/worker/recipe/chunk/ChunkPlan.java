package io.palimpsest.worker.recipe.chunk;

import java.util.List;

/**
 * How a document was cut.
 *
 * @param chunks  the units to send, in order
 * @param dropped chunks under the minimum segment size that no neighbour could take within the
 *                budget: left out, each to be recorded (their ids are the gaps in {@code chunks})
 */
public record ChunkPlan(List<Chunk> chunks, List<Chunk> dropped) {
    public ChunkPlan {
        chunks = List.copyOf(chunks);
        dropped = List.copyOf(dropped);
    }
}
