package io.palimpsest.worker.recipe.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.recipe.Tokenizer;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.recipe.EngineSettings;
import io.palimpsest.worker.recipe.ModelCall;
import io.palimpsest.worker.recipe.RecipeEngine;
import io.palimpsest.worker.recipe.token.TokenCounter;
import io.palimpsest.worker.recipe.token.TokenCounters;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/** Builds the worker's processor for a recipe: the one call the worker's runtime makes. */
public final class RecipeProcessors {
    private RecipeProcessors() {}

    /** How long the count before the first document may take (tokenizer.mode: server) before the run goes on without it. */
    static final Duration PREFLIGHT_WAIT = Duration.ofSeconds(30);

    /**
     * @param client   the model client, or null for a recipe that calls no model ({@link io.palimpsest.api.recipe.ModelCalls})
     * @param stopping true once the process was told to stop (SIGTERM): the count before the first
     *                 document (tokenizer.mode: server) is waited for no longer
     * @param maxModelLen the model's context length, null when unknown: each variant's requests are held to it less
     *                 their reply cap, as to {@code maxInputTokens}
     * @throws io.palimpsest.worker.recipe.RecipeException when the recipe cannot work (bad template, bad CEL)
     */
    public static RecipeProcessor create(
            Recipe recipe,
            ModelClient client,
            String servedModelName,
            String recipeHash,
            boolean keepOriginal,
            ObjectMapper json,
            BooleanSupplier stopping,
            Integer maxModelLen) {
        // exact counts go to the model server's /tokenize, with the client's key, gate and retries
        HttpTokenCounter counter = client == null ? null : new HttpTokenCounter(client, servedModelName, json);
        Optional<TokenCounter> server = Optional.ofNullable(counter);
        Tokenizer tokenizer = recipe.getTokenizer();
        if (counter != null && tokenizer != null && tokenizer.getMode() == Tokenizer.Mode.server) {
            counter.preflight(PREFLIGHT_WAIT, stopping);
        }
        ModelCall calls = client != null
                ? new ClientModelCall(client, servedModelName, json, recipe)
                : request -> {
                    // ModelCalls found no call in this recipe; reaching here is a bug, not a document's fault
                    throw new IllegalStateException(
                            "the recipe calls no model, yet a model call was made; no endpoint is open");
                };
        RecipeEngine engine = RecipeEngine.create(
                recipe,
                calls,
                TokenCounters.forRecipe(recipe, server),
                new EngineSettings(servedModelName, recipeHash, maxModelLen));
        return new RecipeProcessor(engine, json, keepOriginal);
    }
}
