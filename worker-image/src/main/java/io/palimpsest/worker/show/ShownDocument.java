package io.palimpsest.worker.show;

import java.util.List;

/**
 * One source document and what the recipe made of it.
 *
 * @param shard   the shard that committed it
 * @param file    the input key it was read from (relative to the input), when the records say
 * @param line    its 1-based line (JSONL) or row (Parquet) in that file, when the records say
 * @param source  its text as read from the input now; null when the input no longer holds it
 *                ({@code sourceNote} then says why)
 * @param results each variant's outputs and rejects, in variant order; a result whose variant is
 *                null concerns the whole document (skipped before any variant ran)
 */
public record ShownDocument(
        String id, int shard, String file, Long line, String source, String sourceNote, List<ShownResult> results) {
    public ShownDocument {
        results = List.copyOf(results);
    }
}
