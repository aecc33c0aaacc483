package io.palimpsest.worker.recipe.template;

import io.palimpsest.api.recipe.Matrix;
import io.palimpsest.api.recipe.ParseMode;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.recipe.Stage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a template can see besides the document, as the recipe decides it: the stages that ran
 * before it (with how their replies are parsed), the matrix parameters of its calls, and whether it
 * is a judge's (which also sees {@code source} and {@code output}). The compile check renders with
 * exactly these, so {@code stages.sumary} or {@code params.genr} is refused before any document.
 *
 * @param stages    the stages a template sees, in order, with their parse mode
 * @param notYet    stages of the recipe that run at or after this template (a stage's own and later ones)
 * @param params    the matrix parameters with one of their values; empty without a matrix
 * @param paramsStage the stage that writes the parameters (matrix.fromStage): any name may come; null
 *                    when they are the matrix's fixed {@code params}
 * @param inStage   true for a stage's templates: the matrix multiplies variant calls only
 * @param judge     true for a judge's templates
 */
public record TemplateScope(
        Map<String, ParseMode> stages,
        List<String> notYet,
        Map<String, String> params,
        String paramsStage,
        boolean inStage,
        boolean judge) {

    /** A recipe without stages or matrix. */
    public static final TemplateScope NONE = new TemplateScope(Map.of(), List.of(), Map.of(), null, false, false);

    /** The templates of stage {@code index}: the stages before it, no parameters. */
    public static TemplateScope ofStage(Recipe recipe, int index) {
        List<Stage> all = recipe.getStages() == null ? List.of() : recipe.getStages();
        return new TemplateScope(
                parseModes(all.subList(0, index)),
                all.subList(index, all.size()).stream().map(Stage::getName).toList(),
                Map.of(),
                null,
                true,
                false);
    }

    /** A variant's templates: every stage, and the matrix's parameters. */
    public static TemplateScope ofVariant(Recipe recipe) {
        List<Stage> all = recipe.getStages() == null ? List.of() : recipe.getStages();
        Matrix matrix = recipe.getMatrix();
        Map<String, String> params = new LinkedHashMap<>();
        if (matrix != null && matrix.getParameters() != null) {
            matrix.getParameters().forEach((name, values) -> params.put(name, values.isEmpty() ? "" : values.get(0)));
        }
        String fromStage = matrix == null ? null : matrix.getFromStage();
        return new TemplateScope(parseModes(all), List.of(), params, fromStage, false, false);
    }

    /** The same scope for a judge's templates. */
    public TemplateScope judging() {
        return new TemplateScope(stages, notYet, params, paramsStage, inStage, true);
    }

    /** True when a stage writes the parameters: any name may come. */
    public boolean anyParams() {
        return paramsStage != null;
    }

    private static Map<String, ParseMode> parseModes(List<Stage> stages) {
        Map<String, ParseMode> out = new LinkedHashMap<>();
        for (Stage s : stages) {
            out.put(s.getName(), s.getParse() == null ? ParseMode.text : s.getParse());
        }
        return out;
    }

    /** Stand-ins for the stage results: text for text and code replies, any key for JSON and sections. */
    Map<String, Object> stagePlaceholders() {
        Map<String, Object> out = new LinkedHashMap<>();
        stages.forEach((name, mode) ->
                out.put(name, mode == ParseMode.text || mode == ParseMode.code ? "1" : Placeholder.VALUE));
        return out;
    }

    /** Stand-ins for the parameters: their first value, or any name when a stage writes them. */
    Map<String, Object> paramPlaceholders() {
        return anyParams() ? Placeholder.VALUE : new LinkedHashMap<>(params);
    }
}
