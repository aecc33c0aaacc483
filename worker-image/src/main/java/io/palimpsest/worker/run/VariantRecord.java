package io.palimpsest.worker.run;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** One output record, for the dataset of {@code variant}. */
public record VariantRecord(String variant, ObjectNode record) {}
