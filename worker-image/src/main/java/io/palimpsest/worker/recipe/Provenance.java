package io.palimpsest.worker.recipe;

import java.util.List;
import java.util.Map;

/**
 * Where an output (or a reject) came from, written with every record so a dataset row can be
 * traced back and regenerated.
 *
 * @param chunkIds the source chunks that make up this output, in order ("doc#0", "doc#1", ...)
 * @param params   the matrix parameters of this output, empty without a matrix
 * @param sampling the variant's sampling settings as sent (null fields left out)
 * @param extra    recipe-specific facts: judge score, program calls applied, fallback flags
 */
public record Provenance(
        String sourceId,
        List<String> chunkIds,
        String variant,
        Map<String, Object> params,
        String model,
        Map<String, Object> sampling,
        String recipeHash,
        Map<String, Object> extra) {
    public Provenance {
        chunkIds = List.copyOf(chunkIds);
        params = params == null ? Map.of() : params;
        sampling = sampling == null ? Map.of() : sampling;
        extra = extra == null ? Map.of() : extra;
    }
}
