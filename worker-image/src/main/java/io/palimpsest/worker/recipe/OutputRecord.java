package io.palimpsest.worker.recipe;

/**
 * One rewritten text, bound for output/&lt;variant&gt;/.
 *
 * @param id the record's id, unique within its variant's output: the document id, or with a matrix
 *           {@code <document id>#p<combination>} (the document id is in the provenance's sourceId)
 */
public record OutputRecord(String id, String variant, String text, Provenance provenance) {}
