package io.palimpsest.worker.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How an output is made, kept at {@code <output>/_palimpsest/recipe.json} by the planner: the recipe
 * hash and the model (the name sent in requests, which receipts and every record's provenance
 * name). A run whose recipe hash or model differs from it (or, for outputs planned before the marker
 * held them, from a committed receipt's) stops and names both: committed shards would count as done
 * while the rest were made by another recipe or model. The user picks a new output, or accepts the
 * mix explicitly ({@code --accept-recipe-change}), which records the new recipe and model.
 */
public final class RecipeMarker {

    public static final String KEY = "_palimpsest/recipe.json";
    static final String RECEIPTS = "_palimpsest/receipts/";

    /** What the output is made with; either may be null (not recorded, or a recipe that calls no model). */
    public record Recorded(String recipeHash, String model) {}

    private final ObjectMapper json;

    public RecipeMarker(ObjectMapper json) {
        this.json = json;
    }

    /** Refuses a recipe other than the output's, unless accepted; reads only, so a refusal writes nothing. */
    public void check(Storage output, String recipeHash, boolean acceptChange) throws IOException {
        check(output, recipeHash, null, acceptChange);
    }

    /**
     * Refuses a recipe or a model other than the output's, unless accepted; reads only, so a refusal
     * writes nothing. A null {@code model} (a recipe that calls none) is not compared.
     */
    public void check(Storage output, String recipeHash, String model, boolean acceptChange) throws IOException {
        String drift = drift(output, recipeHash, model);
        if (drift != null && !acceptChange) {
            throw new InvalidJobException(drift + "; write to a new output, or pass --accept-recipe-change"
                    + " to add shards made this way beside the committed ones");
        }
    }

    /**
     * Refuses any recipe or model other than the output's, with no way to accept it (a retry round
     * adds to the campaign in place: it must be made as the campaign was).
     */
    public void checkStrict(Storage output, String recipeHash, String model, String howToProceed) throws IOException {
        String drift = drift(output, recipeHash, model);
        if (drift != null) {
            throw new InvalidJobException(drift + "; " + howToProceed);
        }
    }

    /** How the job differs from what the output was made with, or null when it does not. */
    public String drift(Storage output, String recipeHash, String model) throws IOException {
        Recorded recorded = recorded(output).orElse(null);
        if (recorded == null) {
            return null;
        }
        if (recipeHash != null
                && recorded.recipeHash() != null
                && !recorded.recipeHash().equals(recipeHash)) {
            return "recipe drift: " + output.describe() + " was made with recipe " + recorded.recipeHash()
                    + ", this job's recipe is " + recipeHash;
        }
        if (model != null && recorded.model() != null && !recorded.model().equals(model)) {
            return "model drift: " + output.describe() + " was made with model '" + recorded.model()
                    + "', this job's model is '" + model + "' (the model name sent in requests)";
        }
        return null;
    }

    /** Records the recipe and model once planning succeeded (replaces the record when a change was accepted). */
    public void record(Storage output, String recipeHash, String job) throws IOException {
        record(output, recipeHash, null, job);
    }

    public void record(Storage output, String recipeHash, String model, String job) throws IOException {
        if (recipeHash == null) {
            return;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("recipeHash", recipeHash);
        fields.put("model", model); // present even when null: a marker that has the field is the model's record
        fields.put("job", job == null ? "" : job);
        byte[] content = json.writeValueAsBytes(fields);
        if (!output.createIfAbsent(KEY, content)) {
            Optional<Recorded> now = output.exists(KEY) ? Optional.of(read(output.readAll(KEY))) : Optional.empty();
            boolean same = now.map(r -> recipeHash.equals(r.recipeHash()) && Objects.equals(model, r.model()))
                    .orElse(false);
            if (!same) {
                output.put(KEY, content);
            }
        }
    }

    /**
     * The marker's recipe hash and model, else the first committed receipt's (outputs planned before
     * the marker); a marker written before it named the model takes the model from a receipt.
     */
    public Optional<Recorded> recorded(Storage output) throws IOException {
        Recorded marker = null;
        if (output.exists(KEY)) {
            JsonNode node = json.readTree(new String(output.readAll(KEY), StandardCharsets.UTF_8));
            marker = new Recorded(text(node, "recipeHash"), text(node, "model"));
            if (node != null && node.has("model")) {
                return Optional.of(marker);
            }
        }
        for (StoredObject receipt : output.list(RECEIPTS)) {
            Recorded fromReceipt = read(output.readAll(receipt.key()));
            if (fromReceipt.recipeHash() != null || fromReceipt.model() != null) {
                return Optional.of(
                        marker == null
                                ? fromReceipt
                                : new Recorded(
                                        marker.recipeHash(),
                                        Objects.equals(marker.recipeHash(), fromReceipt.recipeHash())
                                                ? fromReceipt.model()
                                                : null));
            }
        }
        return Optional.ofNullable(marker);
    }

    private Recorded read(byte[] content) throws IOException {
        JsonNode node = json.readTree(new String(content, StandardCharsets.UTF_8));
        return new Recorded(text(node, "recipeHash"), text(node, "model"));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
