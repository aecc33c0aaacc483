package io.palimpsest.worker.recipe.template;

import io.palimpsest.worker.recipe.SourceDocument;
import io.palimpsest.worker.recipe.program.NumberedLines;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The names a recipe template can use; see PromptTemplate's documentation in api. */
public final class TemplateVariables {
    /** For messages: the names {@link #of} and {@link #forJudge} define. */
    static final String NAMES =
            "text, document, id, meta, previous, stages, params, numbered, chunk (a judge also source, output)";

    private TemplateVariables() {}

    /**
     * @param unit     the text being rewritten: the chunk, or the whole document
     * @param previous earlier rewritten chunks, oldest first (autoregressive chunking), else empty
     * @param chunk    index, count and id of the unit
     */
    public static Map<String, Object> of(
            SourceDocument doc,
            String unit,
            List<String> previous,
            Map<String, Object> stages,
            Map<String, Object> params,
            Map<String, Object> chunk) {
        Map<String, Object> vars = new HashMap<>();
        vars.put("text", unit);
        vars.put("document", doc.text());
        vars.put("id", doc.id());
        vars.put("meta", doc.meta());
        vars.put("previous", previous);
        vars.put("stages", stages);
        vars.put("params", params);
        vars.put("numbered", NumberedLines.render(unit));
        vars.put("chunk", chunk);
        return vars;
    }

    /** The variables plus what a judge sees: the candidate output and its source. */
    public static Map<String, Object> forJudge(Map<String, Object> vars, String source, String output) {
        Map<String, Object> judged = new HashMap<>(vars);
        judged.put("source", source);
        judged.put("output", output);
        return judged;
    }

    /**
     * What the compile check renders with: placeholder text for the document, a placeholder that
     * answers any key for its metadata, and the stages and parameters {@code scope} allows.
     */
    static Map<String, Object> placeholders(TemplateScope scope) {
        return of(new SourceDocument("probe", "probe text", Placeholder.VALUE), scope);
    }

    /**
     * A unit without text, for what a prompt takes of {@code maxInputTokens} whatever the document: empty
     * text and document, and for each metadata field, stage result and parameter a stand-in of one token.
     */
    static Map<String, Object> withoutDocument(TemplateScope scope) {
        return of(
                new SourceDocument("", "", Placeholder.VALUE),
                "",
                List.of(),
                scope.stagePlaceholders(),
                Placeholder.VALUE,
                Map.of("index", 0, "count", 1, "id", "#0"));
    }

    /**
     * A real document as the first unit of its first call; the stage results and parameters, known
     * only once calls are made, are placeholders of what {@code scope} allows.
     */
    public static Map<String, Object> probe(SourceDocument doc, TemplateScope scope) {
        return of(doc, scope);
    }

    private static Map<String, Object> of(SourceDocument doc, TemplateScope scope) {
        Map<String, Object> vars = of(
                doc,
                doc.text(),
                List.of(),
                scope.stagePlaceholders(),
                scope.paramPlaceholders(),
                Map.of("index", 0, "count", 1, "id", doc.id() + "#0"));
        return scope.judge() ? forJudge(vars, doc.text(), "probe output") : vars;
    }
}
