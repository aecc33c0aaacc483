package io.palimpsest.api.lint;

import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import java.util.List;

/**
 * Compiles a job's recipe as the worker's planner does, for {@link ManifestLinter}: the recipe
 * engine lives in the worker, so the worker hands its compiler to the linter, and {@code lint},
 * {@code local} and the planner refuse the same recipes with the same words.
 */
@FunctionalInterface
public interface RecipeCompiler {
    /** For linting the manifests alone (the schema, names, cross-checks), without the recipe. */
    RecipeCompiler NONE = (job, model) -> List.of();

    /**
     * One problem of a recipe.
     *
     * @param field       the path in the manifest ({@code spec.recipe.prompts[0].user})
     * @param lineInValue the line within the field's (template) value where that is known, else 0
     * @param message     what is wrong
     */
    record Problem(String field, int lineInValue, String message) {}

    /**
     * Every problem of the job's recipe that no document can change.
     *
     * @param model the RewriterModel the job names, when it is among the manifests; else null
     */
    List<Problem> problems(RewriteJob job, RewriterModel model);
}
