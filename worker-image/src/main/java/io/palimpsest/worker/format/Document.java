package io.palimpsest.worker.format;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A document to rewrite. {@code metadata} holds every other field of the record, unchanged, so it
 * can be carried into the output and used by recipe templates and routes. {@code position} is where
 * this read found it; {@code origin} is where the campaign's input holds it, which outputs and
 * rejects name: the same, except for a document a retry round runs again (read from the round's
 * input, named by the line of the campaign's input it came from).
 */
public record Document(String id, String text, ObjectNode metadata, SourcePosition position, SourcePosition origin)
        implements InputItem {

    public Document(String id, String text, ObjectNode metadata, SourcePosition position) {
        this(id, text, metadata, position, position);
    }
}
