package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.worker.RecipeHash;
import io.palimpsest.worker.storage.FileStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output planned before its marker named the recipe and model is taken to be made as its first committed receipt
 * says: a receipt of the plan in force, or of an earlier version that names no plan, never one that names another
 * plan (left by a run of the plan the output held before it was emptied and planned again).
 */
class RecipeMarkerTest {
    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path root;

    private void receipt(FileStorage output, int shard, String recipeHash, String model, String plan) throws Exception {
        String planField = plan == null ? "" : ",\"planSha256\":\"" + plan + "\"";
        output.put(
                String.format("_palimpsest/receipts/shard-%05d.json", shard),
                ("{\"shard\":" + shard + ",\"recipeHash\":\"" + recipeHash + "\",\"model\":\"" + model + "\""
                                + planField + "}")
                        .getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aReceiptOfAnotherPlanDoesNotSayHowTheOutputIsMade() throws Exception {
        FileStorage output = new FileStorage(root);
        output.put(ShardManifest.KEY, "{\"index\":0}\n{\"index\":1}\n".getBytes(StandardCharsets.UTF_8));
        String plan = PlanIdentity.inForce(output);
        receipt(output, 0, "sha256:stale", "other-model", "0f".repeat(32));
        receipt(output, 1, "sha256:a", "m", null);
        RecipeMarker marker = new RecipeMarker(json);

        assertEquals(Optional.of(new RecipeMarker.Recorded("sha256:a", "m")), marker.recorded(output));
        assertNull(marker.drift(output, "sha256:a", "m"));
        String drift = marker.drift(output, "sha256:stale", "other-model");
        assertTrue(
                drift != null
                        && drift.startsWith(
                                "recipe drift: " + output.describe() + " was made with recipe" + " sha256:a"),
                String.valueOf(drift));

        // a receipt of the plan in force says it as one of an earlier version does
        receipt(output, 1, "sha256:a", "m", plan);
        assertEquals(Optional.of(new RecipeMarker.Recorded("sha256:a", "m")), marker.recorded(output));

        // no plan in force (the output emptied, a receipt created in it after by a run of the plan it held): nothing
        // that receipt says is how the output is made
        output.delete(ShardManifest.KEY);
        output.delete("_palimpsest/receipts/shard-00001.json");
        assertEquals(Optional.empty(), marker.recorded(output));
        assertNull(marker.drift(output, "sha256:new", "m"));
    }

    /** A marker written before it named the model takes the model from a receipt of the plan in force only. */
    @Test
    void aMarkerWithoutTheModelTakesItFromAReceiptOfThePlanInForce() throws Exception {
        FileStorage output = new FileStorage(root);
        output.put(ShardManifest.KEY, "{\"index\":0}\n{\"index\":1}\n".getBytes(StandardCharsets.UTF_8));
        output.put(RecipeMarker.KEY, "{\"recipeHash\":\"sha256:a\",\"job\":\"j\"}".getBytes(StandardCharsets.UTF_8));
        receipt(output, 0, "sha256:a", "other-model", "0f".repeat(32));
        receipt(output, 1, "sha256:a", "m", PlanIdentity.inForce(output));
        RecipeMarker marker = new RecipeMarker(json);

        assertEquals(Optional.of(new RecipeMarker.Recorded("sha256:a", "m")), marker.recorded(output));
        String drift = marker.drift(output, "sha256:a", "other-model");
        assertTrue(drift != null && drift.startsWith("model drift: "), String.valueOf(drift));
    }

    private Recipe recipe(String user) throws Exception {
        return json.readValue(
                "{\"prompts\":[{\"name\":\"a\",\"user\":" + json.writeValueAsString(user) + "}]}", Recipe.class);
    }

    /**
     * A marker that keeps only the hash (an earlier version's) gets the recipe from the next plan with that recipe,
     * and a later job is then told which field changed; a recipe too long to keep is recorded by its hash only.
     */
    @Test
    void aMarkerOfTheHashOnlyGetsTheRecipeAndATooLongRecipeIsKeptByItsHash() throws Exception {
        FileStorage output = new FileStorage(root);
        Recipe kept = recipe("Rewrite {{ text }}");
        String hash = RecipeHash.of(kept);
        output.put(
                RecipeMarker.KEY,
                ("{\"recipeHash\":\"" + hash + "\",\"model\":\"m\",\"job\":\"j\"}").getBytes(StandardCharsets.UTF_8));
        Recipe edited = recipe("Rewrite well {{ text }}");
        String before = new RecipeMarker(json).withRecipe(edited).drift(output, RecipeHash.of(edited), "m");
        assertTrue(before.endsWith(", this job's recipe is " + RecipeHash.of(edited)), before);

        new RecipeMarker(json).withRecipe(kept).record(output, hash, "m", "j");
        assertTrue(json.readTree(output.readAll(RecipeMarker.KEY)).has("recipe"), "the next plan adds the recipe");
        String after = new RecipeMarker(json).withRecipe(edited).drift(output, RecipeHash.of(edited), "m");
        assertTrue(
                after.endsWith(
                        " (changed: spec.recipe.prompts[0].user 'Rewrite {{ text }}' -> 'Rewrite well {{ text }}')"),
                after);

        Recipe huge = recipe("x".repeat(RecipeMarker.RECIPE_MAX_BYTES));
        FileStorage other = new FileStorage(root.resolve("other"));
        new RecipeMarker(json).withRecipe(huge).record(other, RecipeHash.of(huge), "m", "j");
        assertFalse(json.readTree(other.readAll(RecipeMarker.KEY)).has("recipe"), "kept by its hash only");
        String drift = new RecipeMarker(json).withRecipe(kept).drift(other, hash, "m");
        assertTrue(drift.endsWith(", this job's recipe is " + hash), drift);
    }
}
