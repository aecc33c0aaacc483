package io.palimpsest.worker.recipe.token;

import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.recipe.Tokenizer;
import io.palimpsest.worker.recipe.RecipeException;
import java.util.Optional;

/** Picks the counter a recipe asks for. */
public final class TokenCounters {
    private TokenCounters() {}

    /**
     * @param server the model server's /tokenize, when the worker has a client for it
     */
    public static TokenCounter forRecipe(Recipe recipe, Optional<TokenCounter> server) {
        Tokenizer t = recipe.getTokenizer();
        if (t != null && t.getMode() == Tokenizer.Mode.server) {
            return server.orElseThrow(
                    () -> new RecipeException("tokenizer.mode is server but this worker has no model server to ask"));
        }
        return BpeTokenCounter.instance();
    }
}
