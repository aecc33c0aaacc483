package io.palimpsest.api.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.recipe.Sampling;
import io.palimpsest.api.recipe.Stage;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestDeadlineTest {

    @Test
    void theDefaultFollowsTheLongestGenerationTheRecipeAsksFor() {
        Recipe recipe = new Recipe();
        recipe.setPrompts(List.of(prompt(512), prompt(1024)));
        assertEquals(60 + 103, RequestDeadline.defaultSeconds(recipe), "60 s + 1024 tokens at 10 tokens/s, rounded up");

        Stage stage = new Stage();
        Sampling long_ = new Sampling();
        long_.setMaxTokens(8000);
        stage.setSampling(long_);
        recipe.setStages(List.of(stage));
        assertEquals(60 + 800, RequestDeadline.defaultSeconds(recipe), "a stage's call counts too");
    }

    @Test
    void withoutMaxTokensTheServerMayGenerateLongSoTheDeadlineAssumesItWill() {
        Recipe recipe = new Recipe();
        PromptVariant unbounded = new PromptVariant();
        unbounded.setName("free");
        recipe.setPrompts(List.of(unbounded));
        assertEquals(60 + 410, RequestDeadline.defaultSeconds(recipe));
        assertEquals(60 + 410, RequestDeadline.defaultSeconds(null));
    }

    @Test
    void theSpecFieldWins() {
        RewriteJobSpec spec = new RewriteJobSpec();
        Recipe recipe = new Recipe();
        recipe.setPrompts(List.of(prompt(512)));
        spec.setRecipe(recipe);
        assertEquals(112, RequestDeadline.seconds(spec));
        RewriteJobSpec.Workers workers = new RewriteJobSpec.Workers();
        workers.setRequestTimeoutSeconds(20);
        spec.setWorkers(workers);
        assertEquals(20, RequestDeadline.seconds(spec));
    }

    private static PromptVariant prompt(int maxTokens) {
        PromptVariant variant = new PromptVariant();
        variant.setName("p" + maxTokens);
        Sampling sampling = new Sampling();
        sampling.setMaxTokens(maxTokens);
        variant.setSampling(sampling);
        return variant;
    }
}
