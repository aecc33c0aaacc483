package io.palimpsest.worker.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * The recipe an output is made with, kept at {@code <output>/_palimpsest/recipe.json} by the planner.
 * A run whose recipe hash differs from it (or, for outputs planned before the marker existed, from
 * a committed receipt's) stops and names both hashes: committed shards would count as done while
 * the rest were made by another recipe. The user picks a new output, or accepts the mix explicitly
 * ({@code --accept-recipe-change}), which records the new hash.
 */
public final class RecipeMarker {

    public static final String KEY = "_palimpsest/recipe.json";
    static final String RECEIPTS = "_palimpsest/receipts/";

    private final ObjectMapper json;

    public RecipeMarker(ObjectMapper json) {
        this.json = json;
    }

    /** Refuses a recipe other than the output's, unless accepted; reads only, so a refusal writes nothing. */
    public void check(Storage output, String recipeHash, boolean acceptChange) throws IOException {
        if (recipeHash == null || acceptChange) {
            return;
        }
        Optional<String> recorded = recorded(output);
        if (recorded.isPresent() && !recorded.get().equals(recipeHash)) {
            throw new InvalidJobException("recipe drift: " + output.describe() + " was made with recipe "
                    + recorded.get()
                    + ", this job's recipe is " + recipeHash + "; write to a new output, or pass --accept-recipe-change"
                    + " to add shards made by the new recipe beside the committed ones");
        }
    }

    /** Records the recipe once planning succeeded (replaces the record when a change was accepted). */
    public void record(Storage output, String recipeHash, String job) throws IOException {
        if (recipeHash == null) {
            return;
        }
        byte[] content = json.writeValueAsBytes(Map.of("recipeHash", recipeHash, "job", job == null ? "" : job));
        if (!output.createIfAbsent(KEY, content)
                && !recorded(output).map(recipeHash::equals).orElse(false)) {
            output.put(KEY, content);
        }
    }

    /** The marker's hash, else the first committed receipt's (outputs planned before the marker). */
    Optional<String> recorded(Storage output) throws IOException {
        if (output.exists(KEY)) {
            return Optional.ofNullable(hashOf(output.readAll(KEY)));
        }
        for (StoredObject receipt : output.list(RECEIPTS)) {
            String hash = hashOf(output.readAll(receipt.key()));
            if (hash != null) {
                return Optional.of(hash);
            }
        }
        return Optional.empty();
    }

    private String hashOf(byte[] content) throws IOException {
        JsonNode node = json.readTree(new String(content, StandardCharsets.UTF_8));
        JsonNode hash = node == null ? null : node.get("recipeHash");
        return hash == null || hash.isNull() ? null : hash.asText();
    }
}
