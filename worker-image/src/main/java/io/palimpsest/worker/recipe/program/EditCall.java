package io.palimpsest.worker.recipe.program;

/** One operation of a ProX-style edit program: the only things a program can do. */
public sealed interface EditCall {
    /** Discard the whole document. */
    record DropDoc() implements EditCall {}

    /** Keep the document; no effect beyond stating it. */
    record KeepDoc() implements EditCall {}

    /** Keep the chunk as it is; no effect beyond stating it. */
    record KeepChunk() implements EditCall {}

    /** Remove lines {@code first} to {@code last}, inclusive, numbered from 1 as shown to the model. */
    record RemoveLines(int first, int last) implements EditCall {}

    /** Replace every occurrence of {@code from} by {@code to}, within lines. */
    record Normalize(String from, String to) implements EditCall {}
}
