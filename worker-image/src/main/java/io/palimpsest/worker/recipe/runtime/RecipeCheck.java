package io.palimpsest.worker.recipe.runtime;

import io.palimpsest.api.lint.CrdSchema;
import io.palimpsest.api.lint.ManifestLinter;
import io.palimpsest.api.lint.RecipeCompiler;
import io.palimpsest.api.recipe.PostStep;
import io.palimpsest.api.recipe.PreFilter;
import io.palimpsest.api.recipe.PromptTemplate;
import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.recipe.RecipeMode;
import io.palimpsest.api.recipe.Route;
import io.palimpsest.api.recipe.Stage;
import io.palimpsest.api.recipe.ValidatorSpec;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.recipe.EngineSettings;
import io.palimpsest.worker.recipe.ModelCall;
import io.palimpsest.worker.recipe.RecipeEngine;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.SourceDocument;
import io.palimpsest.worker.recipe.filter.PreFilterChain;
import io.palimpsest.worker.recipe.post.ReplyCleaner;
import io.palimpsest.worker.recipe.route.CelPredicate;
import io.palimpsest.worker.recipe.route.ConditionFailed;
import io.palimpsest.worker.recipe.route.VariantSelector;
import io.palimpsest.worker.recipe.template.DocumentReads;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import io.palimpsest.worker.recipe.template.TemplateException;
import io.palimpsest.worker.recipe.template.TemplateScope;
import io.palimpsest.worker.recipe.token.BpeTokenCounter;
import io.palimpsest.worker.recipe.token.TokenCounter;
import io.palimpsest.worker.recipe.token.TokenCounters;
import io.palimpsest.worker.recipe.validate.Validators;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * The recipe compiled before any model call, by {@code palimpsest lint}, {@code local} and the
 * planner alike (so on a cluster no worker starts for a recipe that cannot work, and what one
 * accepts the others accept). {@link #problems} finds what is wrong whatever the documents: each
 * template rendered with placeholder values (unknown variables, stages, parameters and filters are
 * errors), each CEL expression, pattern, post-step and validator compiled, each on its own field,
 * then the engine built as a worker builds it. {@link #compile} also renders every stage, variant
 * and judge template on the first documents that reach it: one that fails on every one of them (a
 * metadata field none of them has) would fail on the corpus, and stops the job too.
 */
public final class RecipeCheck {
    /** How many of the first documents the templates are rendered on. */
    public static final int SAMPLE = 16;

    private static final ModelCall NO_CALLS = request ->
            CompletableFuture.failedFuture(new IllegalStateException("the recipe check makes no model calls"));

    /**
     * One thing wrong with a recipe.
     *
     * @param field   the path under {@code spec.recipe} ({@code prompts[0].user}); empty for the recipe as a whole
     * @param line    the line within the field's template where that is known, else 0
     * @param message what is wrong
     */
    public record Problem(String field, int line, String message) {
        /** The field's path in a RewriteJob ({@code spec.recipe.prompts[0].user}). */
        public String path() {
            return "spec.recipe" + (field.isEmpty() ? "" : "." + field);
        }

        @Override
        public String toString() {
            return path() + ": " + message;
        }
    }

    private RecipeCheck() {}

    /** {@link #problems} for {@link ManifestLinter}: {@code lint} and {@code local} refuse what the planner refuses. */
    public static RecipeCompiler compiler() {
        return (job, model) -> job.getSpec() == null
                ? List.of()
                : problems(job.getSpec().getRecipe(), JobResolver.maxModelLen(model)).stream()
                        .map(p -> new RecipeCompiler.Problem(p.path(), p.line(), p.message()))
                        .toList();
    }

    /**
     * Every problem of the recipe that no document can change, each on its field; empty when it compiles.
     *
     * @param maxModelLen the context length of the job's model ({@code engine.maxModelLen}), null when unknown
     */
    public static List<Problem> problems(Recipe recipe, Integer maxModelLen) {
        List<Problem> out = new ArrayList<>();
        if (recipe == null) {
            return out;
        }
        // a server tokenizer is asked only while documents run; the check needs counts of nothing
        TokenCounter tokens = TokenCounters.forRecipe(recipe, Optional.of(BpeTokenCounter.instance()));
        PromptRenderer renderer = new PromptRenderer();
        List<Stage> stages = recipe.getStages() == null ? List.of() : recipe.getStages();
        for (int i = 0; i < stages.size(); i++) {
            Stage stage = stages.get(i);
            TemplateScope scope = TemplateScope.ofStage(recipe, i);
            PromptRenderer scoped = renderer.scoped(scope);
            String where = "stages[" + i + "]";
            String owner = "stage " + stage.getName();
            if (owned(out, scoped, owner, where, stage)) {
                readsDocument(out, scope, owner, where, stage);
            }
            steps(out, where, stage.getPostProcess());
            validators(out, scoped, scope, where, stage.getValidators());
        }
        TemplateScope variantScope = TemplateScope.ofVariant(recipe);
        PromptRenderer variants = renderer.scoped(variantScope);
        List<PromptVariant> prompts = recipe.getPrompts() == null ? List.of() : recipe.getPrompts();
        for (int i = 0; i < prompts.size(); i++) {
            PromptVariant variant = prompts.get(i);
            String where = "prompts[" + i + "]";
            String owner = "variant " + variant.getName();
            if (owned(out, variants, owner, where, variant)) {
                readsDocument(out, variantScope, owner, where, variant);
            }
            steps(out, where, variant.getPostProcess());
            validators(out, variants, variantScope, where, variant.getValidators());
        }
        steps(out, "", recipe.getPostProcess());
        validators(out, variants, variantScope, "", recipe.getValidators());
        List<PreFilter> filters = recipe.getPreFilters() == null ? List.of() : recipe.getPreFilters();
        for (int i = 0; i < filters.size(); i++) {
            PreFilter f = filters.get(i);
            String where = "preFilters[" + i + "]";
            String field = f.getType() == null
                    ? where + ".type"
                    : switch (f.getType()) {
                        case regex -> where + ".pattern";
                        case metadata -> where + ".when";
                        default -> where;
                    };
            attempt(out, field, where, () -> PreFilterChain.check(f, where, tokens));
        }
        List<Route> routes = recipe.getRoutes() == null ? List.of() : recipe.getRoutes();
        for (int i = 0; i < routes.size(); i++) {
            String when = routes.get(i).getWhen();
            String where = "routes[" + i + "].when";
            if (when != null && !when.isBlank()) {
                attempt(out, where, where, () -> CelPredicate.compile(when, where));
            }
        }
        if (recipe.getMode() == RecipeMode.program
                && recipe.getChunking() != null
                && recipe.getChunking().getJoinWith() != null) {
            out.add(new Problem(
                    "chunking.joinWith",
                    0,
                    "program mode joins its edited chunks as the page had them (line ends and blank lines"
                            + " between them kept); joinWith joins rewritten text: remove it"));
        }
        out.addAll(RecipeLimits.problems(recipe, maxModelLen));
        out.addAll(ContextBudget.check(recipe, maxModelLen, renderer, tokens).problems());
        if (out.isEmpty()) {
            // whatever else the engine refuses (a route naming no variant, a server tokenizer without a server)
            try {
                RecipeEngine.create(recipe, NO_CALLS, tokens, new EngineSettings("check", "check", maxModelLen));
            } catch (RuntimeException e) {
                out.add(new Problem("", 0, message(e)));
            }
        }
        return out;
    }

    /**
     * A stage's or variant's templates.
     *
     * @return true when they render (their other checks may follow)
     */
    private static boolean owned(
            List<Problem> out, PromptRenderer renderer, String owner, String where, PromptTemplate t) {
        try {
            renderer.check(owner, t);
            return true;
        } catch (RecipeException e) {
            out.add(problem(where, e));
            return false;
        }
    }

    /**
     * What the recipe may do wrong, though not with every document: a chunked variant whose full-size
     * request is over the model's context ({@link ContextBudget}). Told as a warning by {@code lint},
     * {@code local}, {@code plan} and {@code preview}, and by the operator as a Warning Event from the
     * planner's summary, each with these words.
     *
     * @param maxModelLen the context length of the job's model, null when unknown (then there is none)
     */
    public static List<Problem> warnings(Recipe recipe, Integer maxModelLen) {
        if (recipe == null || maxModelLen == null) {
            return List.of();
        }
        TokenCounter tokens = TokenCounters.forRecipe(recipe, Optional.of(BpeTokenCounter.instance()));
        return ContextBudget.check(recipe, maxModelLen, new PromptRenderer(), tokens)
                .warnings();
    }

    /**
     * A call whose templates read nothing of the document sends the same request for every document:
     * the same reply, or the same failure, whatever the corpus.
     */
    private static void readsDocument(
            List<Problem> out, TemplateScope scope, String owner, String where, PromptTemplate t) {
        if (DocumentReads.readsDocument(t, scope)) {
            return;
        }
        String field = DocumentReads.callField(t);
        out.add(new Problem(
                where + "." + field,
                0,
                owner + ": the prompt reads nothing of the document (none of "
                        + (scope.judge() ? "source, output, " : "")
                        + "text, document, id, meta, previous, stages, numbered, chunk"
                        + (scope.anyParams() ? ", params" : "")
                        + " in its templates), so every document would get the same "
                        + (field.equals("render") ? "output" : "request")
                        + "; put {{ text }} where the document goes"));
    }

    private static void steps(List<Problem> out, String owner, List<PostStep> steps) {
        if (steps == null) {
            return;
        }
        for (int i = 0; i < steps.size(); i++) {
            PostStep step = steps.get(i);
            String where = prefix(owner) + "postProcess[" + i + "]";
            String field = step.getType() == null
                    ? where + ".type"
                    : switch (step.getType()) {
                        case stripPattern -> where + ".pattern";
                        case stripSentinel -> where + ".sentinel";
                        default -> where;
                    };
            attempt(out, field, where, () -> ReplyCleaner.check(step, where));
        }
    }

    private static void validators(
            List<Problem> out,
            PromptRenderer renderer,
            TemplateScope scope,
            String owner,
            List<ValidatorSpec> validators) {
        if (validators == null) {
            return;
        }
        for (int i = 0; i < validators.size(); i++) {
            ValidatorSpec v = validators.get(i);
            String where = prefix(owner) + "validators[" + i + "]";
            try {
                Validators.check(v, NO_CALLS, renderer, where);
                if (v.getType() == ValidatorSpec.Type.judge) {
                    readsDocument(out, scope.judging(), "judge", where + ".judge", v.getJudge());
                }
            } catch (Validators.BadBound e) {
                out.add(new Problem(where + "." + e.field(), 0, e.problem()));
            } catch (RecipeException e) {
                String field = v.getType() == null
                        ? where + ".type"
                        : e.getCause() instanceof TemplateException
                                ? where + ".judge"
                                : e.getCause() instanceof PatternSyntaxException ? where + ".scorePattern" : where;
                out.add(
                        e.getCause() instanceof TemplateException
                                ? problem(field, e)
                                : new Problem(field, 0, strip(message(e), where)));
            } catch (RuntimeException e) {
                out.add(new Problem(where, 0, strip(message(e), where)));
            }
        }
    }

    private static String prefix(String owner) {
        return owner.isEmpty() ? "" : owner + ".";
    }

    private static void attempt(List<Problem> out, String field, String where, Runnable check) {
        try {
            check.run();
        } catch (RuntimeException e) {
            out.add(new Problem(field, 0, strip(message(e), where)));
        }
    }

    /** A template's problem on its field: {@code prompts[0].user}, {@code stages[1].fewShot[0].content}. */
    private static Problem problem(String owner, RecipeException e) {
        if (!(e.getCause() instanceof TemplateException t)) {
            return new Problem(owner, 0, message(e));
        }
        return problem(owner, t);
    }

    private static Problem problem(String owner, TemplateException t) {
        String field = owner + "." + (t.field().startsWith("fewShot[") ? t.field() + ".content" : t.field());
        return new Problem(
                field, t.line(), t.owner() + (t.line() > 0 ? ", line " + t.line() : "") + ": " + t.problem());
    }

    /**
     * The exception's message on one line: a regular expression's or CEL's own message repeats the
     * expression under it with a caret; the line and index it gives are kept.
     */
    private static String message(RuntimeException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String[] lines = message.split("\\R");
        StringBuilder out = new StringBuilder(lines[0].strip());
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].startsWith("ERROR:")) {
                out.append("; ").append(lines[i].strip());
            }
        }
        return out.toString();
    }

    /** The message without a leading "where: ", since the problem names its field. */
    private static String strip(String message, String where) {
        return message.startsWith(where + ": ") ? message.substring(where.length() + 2) : message;
    }

    /**
     * Refuses a recipe with {@link #problems}, then evaluates its conditions and renders its templates on
     * the first documents.
     *
     * @param maxModelLen the context length of the job's model, null when unknown
     * @param documents the first documents of the plan (at most {@link #SAMPLE} are used); empty when none
     *                  could be read
     * @return the {@link #warnings}, for the caller to tell
     * @throws Refused naming every problem, each with its field
     */
    public static List<Problem> compile(Recipe recipe, Integer maxModelLen, List<SourceDocument> documents) {
        List<Problem> problems = problems(recipe, maxModelLen);
        if (problems.isEmpty() && !documents.isEmpty()) {
            problems = probe(recipe, documents.subList(0, Math.min(SAMPLE, documents.size())));
        }
        if (!problems.isEmpty()) {
            throw new Refused(problems);
        }
        return warnings(recipe, maxModelLen);
    }

    /** The recipe refused by {@link #compile}: every problem, each on its field. */
    public static final class Refused extends RecipeException {
        private final List<Problem> problems;

        Refused(List<Problem> problems) {
            super(problems.stream().map(Problem::toString).collect(Collectors.joining("; ")));
            this.problems = List.copyOf(problems);
        }

        /** The refusal of the job, each problem on its field (so a run from manifest files can name its line). */
        public InvalidJobException invalidJob() {
            return new InvalidJobException(problems.stream()
                    .map(p -> new InvalidJobException.Field(p.path(), p.line(), p.message()))
                    .toList());
        }
    }

    private static List<Problem> probe(Recipe recipe, List<SourceDocument> sample) {
        TokenCounter tokens = TokenCounters.forRecipe(recipe, Optional.of(BpeTokenCounter.instance()));
        PreFilterChain filters = new PreFilterChain(recipe.getPreFilters(), tokens);
        VariantSelector selector = new VariantSelector(recipe);
        List<SourceDocument> kept = new ArrayList<>();
        List<List<String>> routed = new ArrayList<>();
        List<ConditionFailed> filterFailures = new ArrayList<>();
        List<ConditionFailed> routeFailures = new ArrayList<>();
        int routedDocs = 0;
        for (SourceDocument doc : sample) {
            boolean passes;
            try {
                passes = filters.firstFailure(doc).isEmpty();
            } catch (ConditionFailed e) {
                filterFailures.add(e);
                continue;
            }
            if (!passes) {
                continue;
            }
            routedDocs++;
            List<String> variants;
            try {
                variants = selector.routedNames(doc);
            } catch (ConditionFailed e) {
                routeFailures.add(e);
                continue;
            }
            if (!variants.isEmpty()) {
                kept.add(doc);
                routed.add(variants);
            }
        }
        List<Problem> out = new ArrayList<>();
        // a condition no sampled document can be evaluated on would reject the corpus one document at a time
        if (!filterFailures.isEmpty() && filterFailures.size() == sample.size()) {
            out.add(unevaluable(filterFailures.get(0), sample.size()));
        }
        if (!routeFailures.isEmpty() && routeFailures.size() == routedDocs) {
            out.add(unevaluable(routeFailures.get(0), routedDocs));
        }
        if (!out.isEmpty()) {
            return out;
        }
        PromptRenderer renderer = new PromptRenderer();
        List<Stage> stages = recipe.getStages() == null ? List.of() : recipe.getStages();
        for (int i = 0; i < stages.size(); i++) {
            Stage stage = stages.get(i);
            PromptRenderer scoped = renderer.scoped(TemplateScope.ofStage(recipe, i));
            String owner = "stage " + stage.getName();
            probe(out, scoped, owner, "stages[" + i + "]", stage, kept);
            judges(out, scoped, owner, "stages[" + i + "]", stage.getValidators(), kept);
        }
        PromptRenderer variants = renderer.scoped(TemplateScope.ofVariant(recipe));
        for (int i = 0; i < recipe.getPrompts().size(); i++) {
            PromptVariant variant = recipe.getPrompts().get(i);
            List<SourceDocument> reaching = new ArrayList<>();
            for (int d = 0; d < kept.size(); d++) {
                if (routed.get(d).contains(variant.getName())) {
                    reaching.add(kept.get(d));
                }
            }
            String owner = "variant " + variant.getName();
            probe(out, variants, owner, "prompts[" + i + "]", variant, reaching);
            judges(out, variants, owner, "", recipe.getValidators(), reaching);
            judges(out, variants, owner, "prompts[" + i + "]", variant.getValidators(), reaching);
        }
        return out;
    }

    /** @param reached how many of the sampled documents the condition was evaluated on (all failed) */
    private static Problem unevaluable(ConditionFailed first, int reached) {
        return new Problem(
                first.where(),
                0,
                "cannot be evaluated on any of the " + reached + " first documents that reach it, e.g. "
                        + first.problem() + "; for a field some documents lack, write has(meta.x) && ...");
    }

    private static void judges(
            List<Problem> out,
            PromptRenderer renderer,
            String owner,
            String where,
            List<ValidatorSpec> validators,
            List<SourceDocument> docs) {
        if (validators == null) {
            return;
        }
        for (int i = 0; i < validators.size(); i++) {
            ValidatorSpec v = validators.get(i);
            if (v.getType() == ValidatorSpec.Type.judge && v.getJudge() != null) {
                String field = prefix(where) + "validators[" + i + "].judge";
                probe(out, renderer.judging(), "judge of " + owner, field, v.getJudge(), docs);
            }
        }
    }

    /**
     * Renders {@code t} on each document; a problem when it fails on all of them, since the corpus
     * would then be rejected document by document for the same reason.
     */
    private static void probe(
            List<Problem> out,
            PromptRenderer renderer,
            String owner,
            String where,
            PromptTemplate t,
            List<SourceDocument> docs) {
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
        Problem located = problem(where, first);
        String at = first.owner() + (first.line() > 0 ? ", line " + first.line() : "");
        Set<String> missing =
                failures.stream().map(e -> e.undefined().orElse("")).collect(Collectors.toSet());
        String name = missing.size() == 1 ? missing.iterator().next() : "";
        if (name.startsWith("meta.") && name.indexOf('.', 5) < 0) {
            Set<String> fields = new TreeSet<>();
            docs.forEach(d -> fields.addAll(d.meta().keySet()));
            // a misspelt field most often: the nearest field the documents have, as lint suggests a field name
            String near = CrdSchema.nearest(name.substring("meta.".length()), fields)
                    .map(field -> "; did you mean meta." + field + "?")
                    .orElse("");
            out.add(new Problem(
                    located.field(),
                    located.line(),
                    at + ": " + name + " is in none of the first " + docs.size()
                            + " documents that reach this template (their fields: "
                            + (fields.isEmpty() ? "none besides text and id" : String.join(", ", fields))
                            + near
                            + "); if some documents lack it, write {{ " + name + " | default('') }}"));
            return;
        }
        out.add(new Problem(
                located.field(),
                located.line(),
                located.message() + " (document " + docs.get(0).id() + ", and so on all of the first " + docs.size()
                        + " documents that reach this template)"));
    }
}
