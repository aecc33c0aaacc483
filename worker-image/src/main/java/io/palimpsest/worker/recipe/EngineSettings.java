package io.palimpsest.worker.recipe;

/**
 * Facts about the run that go into provenance.
 *
 * @param modelName  the served model name the calls go to
 * @param recipeHash {@code RecipeHash.of(recipe)}
 */
public record EngineSettings(String modelName, String recipeHash) {}
