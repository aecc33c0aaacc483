package io.palimpsest.worker.recipe;

import io.palimpsest.api.recipe.Chunking;
import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.filter.PreFilterChain;
import io.palimpsest.worker.recipe.matrix.ParameterMatrix;
import io.palimpsest.worker.recipe.route.ConditionFailed;
import io.palimpsest.worker.recipe.route.VariantSelector;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.template.TemplateScope;
import io.palimpsest.worker.recipe.token.RecentTextTokenCounter;
import io.palimpsest.worker.recipe.token.TokenCounter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Runs a recipe on documents: pre-filters, chained stages, variant selection (routes, fan-out),
 * the parameter matrix, and one {@link VariantRunner} per (variant, parameters). A pure library:
 * the model is a {@link ModelCall}, documents come in and outcomes go out; no I/O of its own.
 *
 * <p>Everything that does not depend on a document (templates, CEL, patterns, validators) is
 * compiled in {@link #create}, which throws {@link RecipeException} for a recipe no document
 * could pass. Thread-safe: {@link #process} may be called for many documents at once.
 */
public final class RecipeEngine {
    private final Recipe recipe;
    private final ModelCall model;
    private final TokenCounter tokens;
    private final EngineSettings settings;
    private final PreFilterChain filters;
    private final StageRunner stages;
    private final VariantSelector selector;
    private final ParameterMatrix matrix;
    private final Map<String, VariantRunner> runners = new LinkedHashMap<>();

    private RecipeEngine(Recipe recipe, ModelCall model, TokenCounter tokens, EngineSettings settings) {
        if (recipe.getPrompts() == null || recipe.getPrompts().isEmpty()) {
            throw new RecipeException("a recipe needs at least one prompt");
        }
        PromptRenderer renderer = new PromptRenderer();
        this.recipe = recipe;
        this.model = model;
        this.tokens = tokens;
        this.settings = settings;
        this.filters = new PreFilterChain(recipe.getPreFilters(), tokens);
        this.stages = new StageRunner(recipe, model, renderer, tokens);
        this.selector = new VariantSelector(recipe);
        long seed = recipe.getFanout() != null && recipe.getFanout().getSeed() != null
                ? recipe.getFanout().getSeed()
                : 0L;
        this.matrix = new ParameterMatrix(recipe.getMatrix(), seed);
        PromptRenderer variants = renderer.scoped(TemplateScope.ofVariant(recipe));
        for (PromptVariant v : recipe.getPrompts()) {
            VariantPlan plan = new VariantPlan(recipe, v, model, variants);
            runners.put(v.getName(), new VariantRunner(recipe, plan, tokens, variants, settings));
        }
    }

    public static RecipeEngine create(Recipe recipe, ModelCall model, TokenCounter tokens, EngineSettings settings) {
        return new RecipeEngine(recipe, model, RecentTextTokenCounter.around(tokens), settings);
    }

    public Recipe recipe() {
        return recipe;
    }

    /**
     * Completes with the document's outputs and rejects. Completes exceptionally only when a model
     * call failed in a way that is not this document's fault (the server is unreachable): the
     * caller decides whether to retry the document or fail the shard.
     */
    public CompletionStage<DocumentOutcome> process(SourceDocument doc) {
        return process(doc, null);
    }

    /** The same run, recording its calls and validator verdicts in {@code trace} (null: none) for a preview. */
    public CompletionStage<DocumentOutcome> process(SourceDocument doc, DocumentTrace trace) {
        DocumentRun run = new DocumentRun(doc, new HashMap<>(), model, trace);
        Optional<PreFilterChain.Verdict> skip;
        List<PromptVariant> variants;
        try {
            skip = skipBeforeAnyCall(doc);
            variants = skip.isPresent() ? List.of() : selector.select(doc);
        } catch (ConditionFailed e) {
            return beforeAnyCall(run, ItemReason.CONDITION_ERROR, e.getMessage());
        } catch (ModelCallRejected e) {
            // the server's token count (tokenizer.mode: server) refused this text, as a call would be refused
            return beforeAnyCall(run, ItemReason.MODEL_REJECTED, e.getMessage());
        }
        if (skip.isPresent()) {
            return beforeAnyCall(run, skip.get().reason(), skip.get().detail());
        }
        if (variants.isEmpty()) {
            return beforeAnyCall(run, ItemReason.NO_ROUTE, "no route matches this document");
        }
        return stages.run(run).thenCompose(failure -> {
            if (failure.isPresent()) {
                StageRunner.StageFailure f = failure.get();
                // a stage is run on (and validated against) the whole document
                RejectRecord r = new RejectRecord(
                        f.reason(),
                        "stage " + f.stage() + ": " + f.detail(),
                        null,
                        f.output(),
                        docProvenance(doc, "stage:" + f.stage()),
                        f.output() == null ? null : doc.text());
                return CompletableFuture.completedFuture(
                        new DocumentOutcome(doc.id(), List.of(), List.of(r), run.usage));
            }
            Optional<ParameterMatrix.Combinations> combos = matrix.combinations(doc.id(), run.stages);
            if (combos.isEmpty()) {
                RejectRecord r = new RejectRecord(
                        ItemReason.PARSE_ERROR,
                        "matrix.fromStage " + recipe.getMatrix().getFromStage()
                                + " did not give a list of parameter objects, or one such object",
                        null,
                        null,
                        docProvenance(doc, null));
                return CompletableFuture.completedFuture(
                        new DocumentOutcome(doc.id(), List.of(), List.of(r), run.usage));
            }
            return runUnits(run, variants, combos.get());
        });
    }

    /** Pre-filters, then chunking's minDocumentTokens: a document skipped before any model call, or empty. */
    private Optional<PreFilterChain.Verdict> skipBeforeAnyCall(SourceDocument doc) {
        Optional<PreFilterChain.Verdict> filtered = filters.firstFailure(doc);
        if (filtered.isPresent()) {
            return filtered;
        }
        Chunking chunking = recipe.getChunking();
        if (chunking != null && chunking.getMinDocumentTokens() != null) {
            int t = tokens.count(doc.text());
            if (t < chunking.getMinDocumentTokens()) {
                return Optional.of(new PreFilterChain.Verdict(
                        ItemReason.TOO_SHORT, t + " tokens < " + chunking.getMinDocumentTokens()));
            }
        }
        return Optional.empty();
    }

    /**
     * The group a document falls in by what this engine decides before any model call, by the same
     * code {@link #process} runs: "skipped: reason" (a pre-filter, too short), "rejected: condition_error"
     * (a condition that cannot be evaluated on it), "routes[i]: variants",
     * "no route", or "all variants" for a recipe without routes. Documents of one group are sent to the
     * same variants, so a preview can sample and estimate each group on its own.
     */
    public String stratum(SourceDocument doc) {
        Optional<PreFilterChain.Verdict> skip;
        int route;
        try {
            skip = skipBeforeAnyCall(doc);
            route = skip.isPresent() ? VariantSelector.NO_MATCH : selector.routeOf(doc);
        } catch (ConditionFailed e) {
            return stratumOf(ItemReason.CONDITION_ERROR);
        }
        if (skip.isPresent()) {
            return stratumOf(skip.get().reason());
        }
        if (route == VariantSelector.NO_ROUTES) {
            return "all variants";
        }
        if (route == VariantSelector.NO_MATCH) {
            return "no route";
        }
        return "routes[" + route + "]: " + String.join(", ", selector.routeVariants(route));
    }

    /**
     * The stratum of an item left before any model call for this reason, "skipped: empty_text" or
     * "rejected: malformed_json", as the reason's outcome is.
     */
    public static String stratumOf(ItemReason reason) {
        return (reason.outcome() == ItemReason.Outcome.SKIPPED ? SKIPPED : REJECTED) + reason.code();
    }

    /** Whether a stratum's items are left before any model call: each of them costs nothing, sampled or not. */
    public static boolean callsNoModel(String stratum) {
        return stratum.startsWith(SKIPPED) || stratum.startsWith(REJECTED);
    }

    private static final String SKIPPED = "skipped: ";
    private static final String REJECTED = "rejected: ";

    private CompletionStage<DocumentOutcome> runUnits(
            DocumentRun run, List<PromptVariant> variants, ParameterMatrix.Combinations combos) {
        List<CompletableFuture<VariantRunner.UnitOutcome>> units = new ArrayList<>();
        for (PromptVariant v : variants) {
            for (ParameterMatrix.Combination c : combos.kept()) {
                units.add(runners.get(v.getName())
                        .run(run, c.params(), matrix.outputId(run.doc.id(), c))
                        .toCompletableFuture());
            }
        }
        return CompletableFuture.allOf(units.toArray(CompletableFuture[]::new)).thenApply(x -> {
            List<OutputRecord> outputs = new ArrayList<>();
            List<RejectRecord> rejects = new ArrayList<>();
            for (CompletableFuture<VariantRunner.UnitOutcome> u : units) {
                outputs.addAll(u.join().outputs());
                rejects.addAll(u.join().rejects());
            }
            for (Map<String, Object> duplicate : combos.duplicates()) {
                rejects.add(new RejectRecord(
                        ItemReason.DUPLICATE_PARAMS,
                        "the matrix gave these parameters before; one output is written for them",
                        null,
                        null,
                        new Provenance(
                                run.doc.id(),
                                List.of(),
                                null,
                                duplicate,
                                settings.modelName(),
                                Map.of(),
                                settings.recipeHash(),
                                Map.of())));
            }
            // A document that wrote nothing is counted by its first reject: something that went wrong (and was
            // maybe paid for) comes before a part left out on purpose.
            rejects.sort(Comparator.comparing(r -> r.outcome() == ItemReason.Outcome.SKIPPED));
            return new DocumentOutcome(run.doc.id(), outputs, rejects, run.usage);
        });
    }

    private CompletionStage<DocumentOutcome> beforeAnyCall(DocumentRun run, ItemReason reason, String detail) {
        RejectRecord r = new RejectRecord(reason, detail, null, null, docProvenance(run.doc, null));
        return CompletableFuture.completedFuture(new DocumentOutcome(run.doc.id(), List.of(), List.of(r), run.usage));
    }

    private Provenance docProvenance(SourceDocument doc, String variant) {
        return new Provenance(
                doc.id(),
                List.of(),
                variant,
                Map.of(),
                settings.modelName(),
                Map.of(),
                settings.recipeHash(),
                Map.of());
    }
}
