package io.palimpsest.worker.recipe;

/** One rewritten text, bound for output/&lt;variant&gt;/. */
public record OutputRecord(String variant, String text, Provenance provenance) {}
