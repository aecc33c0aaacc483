package io.palimpsest.worker.format;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A document to rewrite. {@code metadata} holds every other field of the record, unchanged, so it
 * can be carried into the output and used by recipe templates and routes.
 */
public record Document(String id, String text, ObjectNode metadata, SourcePosition position) implements InputItem {}
