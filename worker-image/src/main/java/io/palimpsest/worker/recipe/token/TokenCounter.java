package io.palimpsest.worker.recipe.token;

/** Counts tokens for budgets and chunking. Implementations must be thread-safe. */
@FunctionalInterface
public interface TokenCounter {
    int count(String text);
}
