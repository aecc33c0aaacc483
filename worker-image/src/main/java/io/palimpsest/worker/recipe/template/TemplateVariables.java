package io.palimpsest.worker.recipe.template;

import io.palimpsest.worker.recipe.SourceDocument;
import io.palimpsest.worker.recipe.program.NumberedLines;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

    /** Placeholders for every name: metadata, stage results and parameters answer any key. */
    static Map<String, Object> probe() {
        Map<String, Object> vars = of(
                new SourceDocument("probe", "probe text", new AnyKey()),
                "probe text",
                List.of(),
                new AnyKey(),
                new AnyKey(),
                Map.of("index", 0, "count", 1, "id", "probe#0"));
        return forJudge(vars, "probe text", "probe output");
    }

    /** A real document as the first unit of its first call (no stage has run, so stage results and parameters are placeholders). */
    public static Map<String, Object> probe(SourceDocument doc) {
        Map<String, Object> vars = of(
                doc,
                doc.text(),
                List.of(),
                new AnyKey(),
                new AnyKey(),
                Map.of("index", 0, "count", 1, "id", doc.id() + "#0"));
        return forJudge(vars, doc.text(), "probe output");
    }

    /**
     * A map with a value for every key (a placeholder string, or another such map one level down),
     * so a probe render does not call {@code meta.title} or {@code stages.pairs.q} unknown: which keys
     * a document's metadata or a stage's reply holds is known only at run time.
     */
    static final class AnyKey extends AbstractMap<String, Object> {
        private final int depth;

        AnyKey() {
            this(0);
        }

        private AnyKey(int depth) {
            this.depth = depth;
        }

        @Override
        public Object get(Object key) {
            return depth < 3 ? new AnyKey(depth + 1) : "probe";
        }

        @Override
        public boolean containsKey(Object key) {
            return true;
        }

        @Override
        public Set<Entry<String, Object>> entrySet() {
            return Set.of();
        }

        @Override
        public String toString() {
            return "probe";
        }
    }
}
