package io.palimpsest.worker.format;

/** A line or row that cannot become a document; it goes to the rejects file with its reason. */
public record UnusableItem(SourcePosition position, String id, ItemReason reason, String detail) implements InputItem {}
