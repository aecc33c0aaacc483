package io.palimpsest.worker.recipe;

import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.chunk.Chunk;
import java.util.Map;

/** What became of one chunk of one variant. */
sealed interface ChunkResult {
    Chunk chunk();

    /** @param facts per-chunk provenance (judge score, program calls) */
    record Ok(Chunk chunk, String text, Map<String, Object> facts) implements ChunkResult {}

    record Failed(Chunk chunk, ItemReason reason, String detail, String output) implements ChunkResult {}

    /** A program asked to drop the whole document. */
    record DropDocument(Chunk chunk) implements ChunkResult {}
}
