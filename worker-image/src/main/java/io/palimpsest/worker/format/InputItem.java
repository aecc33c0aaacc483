package io.palimpsest.worker.format;

/** One line or row of input: either a usable {@link Document} or an {@link UnusableItem} with its reason. */
public sealed interface InputItem permits Document, UnusableItem {
    SourcePosition position();
}
