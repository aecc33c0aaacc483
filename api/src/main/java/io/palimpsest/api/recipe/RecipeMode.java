package io.palimpsest.api.recipe;

public enum RecipeMode {
    rewrite,
    program
}
