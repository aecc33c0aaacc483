package io.palimpsest.worker.recipe.runtime;

import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.recipe.Stage;
import io.palimpsest.worker.recipe.EngineSettings;
import io.palimpsest.worker.recipe.ModelCall;
import io.palimpsest.worker.recipe.RecipeEngine;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.SourceDocument;
import io.palimpsest.worker.recipe.route.VariantSelector;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.template.TemplateVariables;
import io.palimpsest.worker.recipe.token.BpeTokenCounter;
import io.palimpsest.worker.recipe.token.TokenCounter;
import io.palimpsest.worker.recipe.token.TokenCounters;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The recipe compiled before any model call (the planner runs this, so on a cluster no worker
 * starts for a recipe that cannot work): the engine is built as a worker builds it, which parses
 * every template with placeholder values and unknown names as errors, compiles the CEL routes and
 * filters, and checks validators and post-steps; then every variant and stage template is rendered
 * once on a real document, and the routes are evaluated on it. Errors name the prompt or stage,
 * the template field and the line.
 */
public final class RecipeCheck {
    private RecipeCheck() {}

    /** @param document the first document of the plan, or null when none could be read */
    public static void compile(Recipe recipe, SourceDocument document) {
        ModelCall noCalls = request ->
                CompletableFuture.failedFuture(new IllegalStateException("the recipe check makes no model calls"));
        // a server tokenizer is asked only while documents run; the check needs counts of nothing
        TokenCounter tokens = TokenCounters.forRecipe(recipe, Optional.of(BpeTokenCounter.instance()));
        RecipeEngine.create(recipe, noCalls, tokens, new EngineSettings("check", "check"));
        if (document == null) {
            return;
        }
        PromptRenderer renderer = new PromptRenderer();
        Map<String, Object> vars = TemplateVariables.probe(document);
        if (recipe.getStages() != null) {
            for (Stage stage : recipe.getStages()) {
                renderer.probe("stage " + stage.getName(), stage, vars);
            }
        }
        for (PromptVariant variant : recipe.getPrompts()) {
            renderer.probe("variant " + variant.getName(), variant, vars);
        }
        try {
            new VariantSelector(recipe).select(document);
        } catch (RuntimeException e) {
            throw new RecipeException("routes on document " + document.id() + ": " + e.getMessage(), e);
        }
    }
}
