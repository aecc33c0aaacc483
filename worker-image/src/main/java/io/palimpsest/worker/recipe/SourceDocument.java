package io.palimpsest.worker.recipe;

import java.util.Map;
import java.util.Objects;

/**
 * A document as the recipe sees it.
 *
 * @param meta every other field of the input record, as plain Java values (Map, List, String,
 *             Long, Double, Boolean); templates see it as {@code meta}, CEL predicates too
 */
public record SourceDocument(String id, String text, Map<String, Object> meta) {
    public SourceDocument {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(text, "text");
        meta = meta == null ? Map.of() : meta;
    }
}
