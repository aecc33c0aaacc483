package io.palimpsest.worker.recipe;

/**
 * Facts about the run that go into provenance, and the model's context the requests must fit.
 *
 * @param modelName   the served model name the calls go to
 * @param recipeHash  {@code RecipeHash.of(recipe)}
 * @param maxModelLen the model's context length ({@code engine.maxModelLen}, or the built-in simulator's), null
 *                    when unknown (an external endpoint that does not say): then only {@code maxInputTokens} limits
 *                    a variant's requests
 */
public record EngineSettings(String modelName, String recipeHash, Integer maxModelLen) {
    public EngineSettings(String modelName, String recipeHash) {
        this(modelName, recipeHash, null);
    }
}
