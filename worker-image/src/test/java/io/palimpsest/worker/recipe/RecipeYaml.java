package io.palimpsest.worker.recipe;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.palimpsest.api.recipe.Recipe;

/** Recipes for tests, written the way a manifest's spec.recipe is. */
public final class RecipeYaml {
    private static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory()).configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private RecipeYaml() {}

    public static Recipe parse(String yaml) {
        try {
            return YAML.readValue(yaml, Recipe.class);
        } catch (Exception e) {
            throw new IllegalArgumentException("bad test recipe: " + e.getMessage(), e);
        }
    }

    public static <T> T parse(String yaml, Class<T> type) {
        try {
            return YAML.readValue(yaml, type);
        } catch (Exception e) {
            throw new IllegalArgumentException("bad test yaml: " + e.getMessage(), e);
        }
    }
}
