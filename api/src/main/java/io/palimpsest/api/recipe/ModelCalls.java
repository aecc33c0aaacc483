package io.palimpsest.api.recipe;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a recipe calls a model, field by field. A recipe with none (render-only prompts, filters,
 * no judge, no stage, no server token counts) runs without a RewriterModel: the operator starts its
 * workers at once and the worker opens no model client. The CRD's CEL rule on RewriteJob.spec
 * says the same in CEL; this is the one Java reading, shared by the operator and the worker.
 */
public final class ModelCalls {
    private ModelCalls() {}

    /** True when running the recipe needs a model endpoint. */
    public static boolean needed(Recipe recipe) {
        return !where(recipe).isEmpty();
    }

    /** The fields that call a model (e.g. {@code recipe.prompts[0].user}), in recipe order; empty when none does. */
    public static List<String> where(Recipe recipe) {
        List<String> out = new ArrayList<>();
        if (recipe == null) {
            return out;
        }
        if (recipe.getMode() == RecipeMode.program) {
            out.add("recipe.mode (program: the model writes the edit program)");
        }
        if (recipe.getTokenizer() != null && recipe.getTokenizer().getMode() == Tokenizer.Mode.server) {
            out.add("recipe.tokenizer.mode (server: counted by the model server)");
        }
        List<Stage> stages = recipe.getStages() == null ? List.of() : recipe.getStages();
        for (int i = 0; i < stages.size(); i++) {
            String at = "recipe.stages[" + i + "]";
            if (calls(stages.get(i))) {
                out.add(at + "." + callField(stages.get(i)));
            }
            judges(stages.get(i).getValidators(), at, out);
        }
        List<PromptVariant> prompts = recipe.getPrompts() == null ? List.of() : recipe.getPrompts();
        for (int i = 0; i < prompts.size(); i++) {
            String at = "recipe.prompts[" + i + "]";
            if (calls(prompts.get(i))) {
                out.add(at + "." + callField(prompts.get(i)));
            }
            judges(prompts.get(i).getValidators(), at, out);
        }
        judges(recipe.getValidators(), "recipe", out);
        return out;
    }

    /** A template calls the model unless it only renders. */
    private static boolean calls(PromptTemplate template) {
        return template.getRender() == null;
    }

    private static String callField(PromptTemplate template) {
        return template.getCompletion() != null ? "completion" : "user";
    }

    private static void judges(List<ValidatorSpec> validators, String at, List<String> out) {
        if (validators == null) {
            return;
        }
        for (int i = 0; i < validators.size(); i++) {
            if (validators.get(i).getType() == ValidatorSpec.Type.judge) {
                out.add(at + ".validators[" + i + "] (judge)");
            }
        }
    }
}
