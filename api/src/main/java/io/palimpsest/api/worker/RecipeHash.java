package io.palimpsest.api.worker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.palimpsest.api.recipe.Recipe;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of a recipe's canonical JSON (sorted keys, no nulls): equal recipes hash equal, on any machine. */
public final class RecipeHash {
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    private RecipeHash() {}

    public static String of(Recipe recipe) {
        try {
            return "sha256:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(canonicalJson(recipe)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot hash recipe", e);
        }
    }

    /**
     * The recipe as it is hashed: what an output's {@code recipe.json} keeps of it, so that a later job with
     * another recipe can be told which fields differ, not only that the hashes do.
     */
    public static byte[] canonicalJson(Recipe recipe) {
        try {
            return CANONICAL.writeValueAsBytes(recipe);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot hash recipe", e);
        }
    }
}
