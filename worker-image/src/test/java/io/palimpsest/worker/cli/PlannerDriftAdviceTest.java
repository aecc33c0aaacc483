package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.worker.RecipeHash;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.plan.RecipeMarker;
import io.palimpsest.worker.storage.FileStorage;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's planner is told nothing of {@code --accept-recipe-change}: the user cannot pass it a flag. A recipe
 * drift it meets is put in the job's condition with what the user can do there (a new RewriteJob into another
 * output), as a worker the operator started words it; a planner run by hand keeps the flag in its advice.
 */
class PlannerDriftAdviceTest {
    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path root;

    @Test
    void aRecipeDriftTheOperatorsPlannerMeetsAdvisesANewRewriteJobNotAFlag() throws Exception {
        FileStorage output = new FileStorage(root);
        Recipe kept = recipe("Rewrite {{ text }}");
        new RecipeMarker(json).withRecipe(kept).record(output, RecipeHash.of(kept), "m", "j");
        Recipe edited = recipe("Rewrite well {{ text }}");

        InvalidJobException refused = assertThrows(
                InvalidJobException.class,
                () -> new RecipeMarker(json).withRecipe(edited).check(output, RecipeHash.of(edited), "m", null, false));

        String inPod = PlanCommand.reported(refused, true);
        assertTrue(inPod.startsWith("recipe drift: "), inPod);
        assertTrue(inPod.contains("spec.recipe.prompts[0].user"), inPod);
        assertTrue(inPod.endsWith("; " + OutputDriftException.IN_POD), inPod);
        assertFalse(inPod.contains("--accept-recipe-change"), inPod);
        String byHand = PlanCommand.reported(refused, false);
        assertEquals(refused.getMessage(), byHand);
        assertTrue(byHand.contains("pass --accept-recipe-change"), byHand);
    }

    private Recipe recipe(String user) throws Exception {
        return json.readValue(
                "{\"prompts\":[{\"name\":\"a\",\"user\":" + json.writeValueAsString(user) + "}]}", Recipe.class);
    }
}
