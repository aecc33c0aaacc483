package io.palimpsest.worker.recipe.runtime;

import io.palimpsest.api.recipe.PromptTemplate;
import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.recipe.Stage;
import io.palimpsest.api.recipe.ValidatorSpec;
import io.palimpsest.worker.recipe.EngineSettings;
import io.palimpsest.worker.recipe.ModelCall;
import io.palimpsest.worker.recipe.RecipeEngine;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.SourceDocument;
import io.palimpsest.worker.recipe.filter.PreFilterChain;
import io.palimpsest.worker.recipe.route.VariantSelector;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.template.TemplateException;
import io.palimpsest.worker.recipe.template.TemplateScope;
import io.palimpsest.worker.recipe.token.BpeTokenCounter;
import io.palimpsest.worker.recipe.token.TokenCounter;
import io.palimpsest.worker.recipe.token.TokenCounters;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * The recipe compiled before any model call (the planner runs this, so on a cluster no worker
 * starts for a recipe that cannot work): the engine is built as a worker builds it, which renders
 * every template with placeholder values (unknown variables, stages, parameters and filters are
 * errors), compiles the CEL routes and filters, and checks validators and post-steps; then every
 * stage, variant and judge template is rendered on the first documents that reach it. A template
 * that fails on every one of them (a metadata field none of them has) would fail on the corpus:
 * that stops the job too. Errors name the prompt or stage, the template field and the line.
 */
public final class RecipeCheck {
    /** How many of the first documents the templates are rendered on. */
    public static final int SAMPLE = 16;

    private RecipeCheck() {}

    /** @param documents the first documents of the plan (at most {@link #SAMPLE} are used); empty when none could be read */
    public static void compile(Recipe recipe, List<SourceDocument> documents) {
        ModelCall noCalls = request ->
                CompletableFuture.failedFuture(new IllegalStateException("the recipe check makes no model calls"));
        // a server tokenizer is asked only while documents run; the check needs counts of nothing
        TokenCounter tokens = TokenCounters.forRecipe(recipe, Optional.of(BpeTokenCounter.instance()));
        RecipeEngine.create(recipe, noCalls, tokens, new EngineSettings("check", "check"));
        if (documents.isEmpty()) {
            return;
        }
        List<SourceDocument> sample = documents.subList(0, Math.min(SAMPLE, documents.size()));
        PreFilterChain filters = new PreFilterChain(recipe.getPreFilters(), tokens);
        VariantSelector selector = new VariantSelector(recipe);
        List<SourceDocument> kept = new ArrayList<>();
        List<List<String>> routed = new ArrayList<>();
        for (SourceDocument doc : sample) {
            if (filters.firstFailure(doc).isEmpty()) {
                List<String> variants;
                try {
                    variants = selector.routedNames(doc);
                } catch (RuntimeException e) {
                    throw new RecipeException("routes on document " + doc.id() + ": " + e.getMessage(), e);
                }
                if (!variants.isEmpty()) {
                    kept.add(doc);
                    routed.add(variants);
                }
            }
        }
        PromptRenderer renderer = new PromptRenderer();
        List<Stage> stages = recipe.getStages() == null ? List.of() : recipe.getStages();
        for (int i = 0; i < stages.size(); i++) {
            Stage stage = stages.get(i);
            PromptRenderer scoped = renderer.scoped(TemplateScope.ofStage(recipe, i));
            String owner = "stage " + stage.getName();
            probe(scoped, owner, stage, kept);
            judges(scoped, owner, stage.getValidators(), kept);
        }
        PromptRenderer variants = renderer.scoped(TemplateScope.ofVariant(recipe));
        for (PromptVariant variant : recipe.getPrompts()) {
            List<SourceDocument> reaching = new ArrayList<>();
            for (int d = 0; d < kept.size(); d++) {
                if (routed.get(d).contains(variant.getName())) {
                    reaching.add(kept.get(d));
                }
            }
            String owner = "variant " + variant.getName();
            probe(variants, owner, variant, reaching);
            List<ValidatorSpec> validators = new ArrayList<>();
            if (recipe.getValidators() != null) {
                validators.addAll(recipe.getValidators());
            }
            if (variant.getValidators() != null) {
                validators.addAll(variant.getValidators());
            }
            judges(variants, owner, validators, reaching);
        }
    }

    private static void judges(
            PromptRenderer renderer, String owner, List<ValidatorSpec> validators, List<SourceDocument> docs) {
        if (validators == null) {
            return;
        }
        for (ValidatorSpec v : validators) {
            if (v.getType() == ValidatorSpec.Type.judge && v.getJudge() != null) {
                probe(renderer.judging(), "judge of " + owner, v.getJudge(), docs);
            }
        }
    }

    /**
     * Renders {@code t} on each document; fails when it fails on all of them, since the corpus
     * would then be rejected document by document for the same reason.
     */
    private static void probe(PromptRenderer renderer, String owner, PromptTemplate t, List<SourceDocument> docs) {
        List<TemplateException> failures = new ArrayList<>();
        for (SourceDocument doc : docs) {
            try {
                renderer.probe(owner, t, doc);
            } catch (TemplateException e) {
                failures.add(e);
            }
        }
        if (docs.isEmpty() || failures.size() < docs.size()) {
            return;
        }
        TemplateException first = failures.get(0);
        String where =
                first.owner() + ": template " + first.field() + (first.line() > 0 ? ", line " + first.line() : "");
        Set<String> missing =
                failures.stream().map(e -> e.undefined().orElse("")).collect(Collectors.toSet());
        String name = missing.size() == 1 ? missing.iterator().next() : "";
        if (name.startsWith("meta.") && name.indexOf('.', 5) < 0) {
            Set<String> fields = new TreeSet<>();
            docs.forEach(d -> fields.addAll(d.meta().keySet()));
            throw new RecipeException(
                    where + ": " + name + " is in none of the first " + docs.size()
                            + " documents that reach this template (their fields: "
                            + (fields.isEmpty() ? "none besides text and id" : String.join(", ", fields))
                            + "); if some documents lack it, write {{ " + name + " | default('') }}",
                    first);
        }
        throw new RecipeException(
                first.getMessage() + " (document " + docs.get(0).id() + ", and so on all of the first " + docs.size()
                        + " documents that reach this template)",
                first);
    }
}
