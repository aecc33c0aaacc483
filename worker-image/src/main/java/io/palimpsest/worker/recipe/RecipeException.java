package io.palimpsest.worker.recipe;

/** The recipe itself is unusable (a template that does not parse, a CEL rule that does not compile): no document can succeed. */
public class RecipeException extends RuntimeException {
    public RecipeException(String message) {
        super(message);
    }

    public RecipeException(String message, Throwable cause) {
        super(message, cause);
    }
}
