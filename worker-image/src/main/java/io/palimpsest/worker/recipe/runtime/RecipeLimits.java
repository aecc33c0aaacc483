package io.palimpsest.worker.recipe.runtime;

import io.palimpsest.api.recipe.Fanout;
import io.palimpsest.api.recipe.ParseMode;
import io.palimpsest.api.recipe.PromptTemplate;
import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.recipe.Route;
import io.palimpsest.api.recipe.Stage;
import io.palimpsest.api.recipe.ValidatorSpec;
import io.palimpsest.worker.recipe.matrix.ParameterMatrix;
import io.palimpsest.worker.recipe.runtime.RecipeCheck.Problem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Settings of a recipe that every document would fail the same way, found from the recipe (and its
 * model) alone: a matrix that reads a stage the recipe does not have, weights that leave a route no
 * variant to pick, a reply cap the model's context cannot hold. Each would otherwise show up as one
 * reject or skip per document of the corpus.
 */
final class RecipeLimits {
    private RecipeLimits() {}

    /** @param maxModelLen the model's context length, null when unknown */
    static List<Problem> problems(Recipe recipe, Integer maxModelLen) {
        List<Problem> out = new ArrayList<>();
        matrixStage(recipe, out);
        matrixValues(recipe, out);
        weights(recipe, out);
        if (maxModelLen != null) {
            replyCaps(recipe, maxModelLen, out);
        }
        return out;
    }

    /** matrix.fromStage must name a stage whose reply is parsed as JSON (a list of parameter objects). */
    private static void matrixStage(Recipe recipe, List<Problem> out) {
        String from = recipe.getMatrix() == null ? null : recipe.getMatrix().getFromStage();
        if (from == null) {
            return;
        }
        List<Stage> stages = recipe.getStages() == null ? List.of() : recipe.getStages();
        Stage stage = stages.stream()
                .filter(s -> from.equals(s.getName()))
                .findFirst()
                .orElse(null);
        if (stage == null) {
            out.add(new Problem(
                    "matrix.fromStage",
                    0,
                    "no stage named '" + from + "'"
                            + (stages.isEmpty()
                                    ? " (the recipe has no stages)"
                                    : " (stages: "
                                            + stages.stream()
                                                    .map(Stage::getName)
                                                    .collect(Collectors.joining(", "))
                                            + ")")
                            + "; every document would be rejected, parse_error"));
        } else if (stage.getParse() != ParseMode.json) {
            out.add(new Problem(
                    "matrix.fromStage",
                    0,
                    "stage " + from + " is parsed as " + (stage.getParse() == null ? ParseMode.text : stage.getParse())
                            + ", but the matrix reads a list of parameter objects: give the stage parse: json"));
        }
    }

    /**
     * A fixed value listed twice (up to case and spacing, as combinations are compared) makes every combination
     * with it twice: each document would get a duplicate_params skip for the recipe's slip.
     */
    private static void matrixValues(Recipe recipe, List<Problem> out) {
        Map<String, List<String>> parameters =
                recipe.getMatrix() == null ? null : recipe.getMatrix().getParameters();
        if (parameters == null) {
            return;
        }
        parameters.forEach((name, values) -> {
            Map<String, Integer> first = new HashMap<>();
            for (int i = 0; values != null && i < values.size(); i++) {
                if (values.get(i) == null) {
                    continue;
                }
                Integer earlier = first.putIfAbsent(ParameterMatrix.sameValue(values.get(i)), i);
                if (earlier != null) {
                    out.add(new Problem(
                            "matrix.parameters." + name + "[" + i + "]",
                            0,
                            "'" + values.get(i) + "' is the same value as " + name + "[" + earlier + "] '"
                                    + values.get(earlier)
                                    + "' (values are compared up to case and spacing): every document would get"
                                    + " the same combination twice, the second skipped duplicate_params; list each"
                                    + " value once"));
                }
            }
        });
    }

    /** With fanout.mode weighted, variants of weight 0 are never picked: a route of only those picks none. */
    private static void weights(Recipe recipe, List<Problem> out) {
        if (recipe.getFanout() == null || recipe.getFanout().getMode() != Fanout.Mode.weighted) {
            return;
        }
        List<PromptVariant> prompts = recipe.getPrompts() == null ? List.of() : recipe.getPrompts();
        Map<String, PromptVariant> byName =
                prompts.stream().collect(Collectors.toMap(PromptVariant::getName, Function.identity(), (a, b) -> a));
        List<Route> routes = recipe.getRoutes() == null ? List.of() : recipe.getRoutes();
        if (routes.isEmpty()) {
            if (!prompts.isEmpty() && prompts.stream().allMatch(RecipeLimits::weightless)) {
                out.add(new Problem(
                        "fanout.mode",
                        0,
                        "weighted, but all weights are 0 (prompts[].weight): no document would get a variant"));
            }
            return;
        }
        for (int i = 0; i < routes.size(); i++) {
            List<String> names = routes.get(i).getVariants() == null
                    ? List.of()
                    : routes.get(i).getVariants();
            if (!names.isEmpty() && names.stream().allMatch(n -> byName.containsKey(n) && weightless(byName.get(n)))) {
                out.add(new Problem(
                        "routes[" + i + "].variants",
                        0,
                        "fanout.mode is weighted, but all weights are 0 for " + String.join(", ", names)
                                + ": no document of this route would get a variant"));
            }
        }
    }

    private static boolean weightless(PromptVariant v) {
        return v.getWeight() != null && v.getWeight() <= 0;
    }

    /**
     * A reply cap at or over the model's context leaves no room for the prompt: the server answers
     * every such request with 400.
     */
    private static void replyCaps(Recipe recipe, int maxModelLen, List<Problem> out) {
        List<Stage> stages = recipe.getStages() == null ? List.of() : recipe.getStages();
        for (int i = 0; i < stages.size(); i++) {
            cap(out, "stages[" + i + "]", stages.get(i), maxModelLen);
            judgeCaps(out, "stages[" + i + "].", stages.get(i).getValidators(), maxModelLen);
        }
        List<PromptVariant> prompts = recipe.getPrompts() == null ? List.of() : recipe.getPrompts();
        for (int i = 0; i < prompts.size(); i++) {
            cap(out, "prompts[" + i + "]", prompts.get(i), maxModelLen);
            judgeCaps(out, "prompts[" + i + "].", prompts.get(i).getValidators(), maxModelLen);
        }
        judgeCaps(out, "", recipe.getValidators(), maxModelLen);
    }

    private static void judgeCaps(List<Problem> out, String prefix, List<ValidatorSpec> validators, int maxModelLen) {
        if (validators == null) {
            return;
        }
        for (int i = 0; i < validators.size(); i++) {
            if (validators.get(i).getJudge() != null) {
                cap(
                        out,
                        prefix + "validators[" + i + "].judge",
                        validators.get(i).getJudge(),
                        maxModelLen);
            }
        }
    }

    private static void cap(List<Problem> out, String where, PromptTemplate t, int maxModelLen) {
        if (t.getRender() != null || t.getSampling() == null || t.getSampling().getMaxTokens() == null) {
            return;
        }
        int maxTokens = t.getSampling().getMaxTokens();
        if (maxTokens >= maxModelLen) {
            out.add(new Problem(
                    where + ".sampling.maxTokens",
                    0,
                    maxTokens + " leaves no room for the prompt in the model's context (engine.maxModelLen "
                            + maxModelLen + "): the server would refuse every request (HTTP 400); keep it under "
                            + maxModelLen + " minus the longest prompt"));
        }
    }
}
