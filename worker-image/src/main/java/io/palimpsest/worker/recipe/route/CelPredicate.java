package io.palimpsest.worker.recipe.route;

import dev.cel.common.CelAbstractSyntaxTree;
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

    private final String source;
    private final CelRuntime.Program program;

    private CelPredicate(String source, CelRuntime.Program program) {
        this.source = source;
        this.program = program;
    }

    /** @param where what the expression belongs to, for the error message ("routes[1].when") */
    public static CelPredicate compile(String expression, String where) {
        try {
            CelAbstractSyntaxTree ast = COMPILER.compile(expression).getAst();
            return new CelPredicate(expression, RUNTIME.createProgram(ast));
        } catch (CelValidationException | CelEvaluationException e) {
            throw new RecipeException(where + ": CEL expression does not compile: " + e.getMessage(), e);
        }
    }

    /**
     * True when the expression holds. An evaluation error (a missing metadata key, a type
     * mismatch) counts as false: a record without the field the rule is about does not match it.
     */
    public boolean test(SourceDocument doc) {
        try {
            return Boolean.TRUE.equals(program.eval(Map.of("meta", doc.meta(), "id", doc.id(), "text", doc.text())));
        } catch (CelEvaluationException | RuntimeException e) {
            return false;
        }
    }

    public String source() {
        return source;
    }
}
