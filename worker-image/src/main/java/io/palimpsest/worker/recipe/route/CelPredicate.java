package io.palimpsest.worker.recipe.route;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelErrorCode;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.SourceDocument;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A CEL expression over a record ({@code meta}, {@code id}, {@code text}), compiled once.
 * CEL, because it is the language of the CRDs' own rules, is side-effect free and always
 * terminates: a manifest cannot run code on the worker.
 */
public final class CelPredicate {
    private static final CelOptions OPTIONS = CelOptions.current()
            // meta.score >= 3 must hold whether the JSON wrote 3 or 3.0.
            .enableHeterogeneousNumericComparisons(true)
            .build();
    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .setOptions(OPTIONS)
            // has(), all(), exists(), map(), filter(): without them "has(meta.x)" does not compile.
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("meta", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("id", SimpleType.STRING)
            .addVar("text", SimpleType.STRING)
            .setResultType(SimpleType.BOOL)
            .build();
    private static final CelRuntime RUNTIME =
            CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(OPTIONS).build();

    private static final Pattern POSITION = Pattern.compile("^evaluation error at <input>:\\d+: ");
    private static final int LISTED = 20;

    private final String source;
    private final String where;
    private final CelRuntime.Program program;

    private CelPredicate(String source, String where, CelRuntime.Program program) {
        this.source = source;
        this.where = where;
        this.program = program;
    }

    /** @param where what the expression belongs to, for the error message ("routes[1].when") */
    public static CelPredicate compile(String expression, String where) {
        try {
            CelAbstractSyntaxTree ast = COMPILER.compile(expression).getAst();
            return new CelPredicate(expression, where, RUNTIME.createProgram(ast));
        } catch (CelValidationException | CelEvaluationException e) {
            throw new RecipeException(where + ": CEL expression does not compile: " + e.getMessage(), e);
        }
    }

    /**
     * True when the expression holds for the document.
     *
     * @throws ConditionFailed when it cannot be evaluated on it (a metadata key the document lacks,
     *                         a value of another type): write {@code has(meta.x) && ...} for a field
     *                         some documents lack
     */
    public boolean test(SourceDocument doc) {
        Object result;
        try {
            result = program.eval(Map.of("meta", doc.meta(), "id", doc.id(), "text", doc.text()));
        } catch (CelEvaluationException e) {
            String problem = POSITION.matcher(String.valueOf(e.getMessage()))
                    .replaceFirst("")
                    .replaceAll("\\.$", "");
            if (e.getErrorCode() == CelErrorCode.ATTRIBUTE_NOT_FOUND) {
                problem += "; this document's meta has: " + keys(doc.meta());
            }
            throw new ConditionFailed(where, source, problem);
        } catch (RuntimeException e) {
            throw new ConditionFailed(where, source, String.valueOf(e.getMessage()));
        }
        return Boolean.TRUE.equals(result);
    }

    private static String keys(Map<String, Object> meta) {
        if (meta.isEmpty()) {
            return "no fields";
        }
        String shown = meta.keySet().stream().sorted().limit(LISTED).collect(Collectors.joining(", "));
        return meta.size() > LISTED ? shown + ", ... (" + meta.size() + " in all)" : shown;
    }

    public String source() {
        return source;
    }
}
