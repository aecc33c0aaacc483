package io.palimpsest.worker.recipe.filter;

import com.oracle.graal.python.pegparser.sst.ExprTy;
import com.oracle.graal.python.pegparser.sst.SSTNode;
import com.oracle.graal.python.pegparser.sst.StmtTy;
import java.lang.reflect.Field;
import java.util.Optional;

/**
 * The errors CPython raises in its compiler rather than its parser: statements outside the block
 * they need ('return' outside function, 'break' outside loop, 'await' outside async function...).
 * Walks the parser's tree generically over its public node fields, so it needs no visitor with a
 * method per node type.
 */
final class CompileStageCheck {

    /** Where a node sits: inside a function, an async function, a loop. */
    private record Block(boolean function, boolean async, boolean loop) {
        static final Block MODULE = new Block(false, false, false);
    }

    private static final class Found extends RuntimeException {
        final PythonSyntax.SyntaxProblem problem;

        Found(SSTNode node, String message) {
            super(null, null, false, false);
            int line = node.getSourceRange() == null ? 0 : node.getSourceRange().startLine;
            this.problem = new PythonSyntax.SyntaxProblem(line, "SyntaxError", message);
        }
    }

    private CompileStageCheck() {}

    static Optional<PythonSyntax.SyntaxProblem> check(SSTNode module) {
        try {
            walk(module, Block.MODULE);
            return Optional.empty();
        } catch (Found f) {
            return Optional.of(f.problem);
        }
    }

    private static void walk(Object value, Block block) {
        if (value instanceof SSTNode[] nodes) {
            for (SSTNode n : nodes) {
                walk(n, block);
            }
            return;
        }
        if (!(value instanceof SSTNode node)) {
            return;
        }
        if (node instanceof StmtTy.FunctionDef f) {
            walkExcept(node, block, "body");
            walk(f.body, new Block(true, false, false));
            return;
        }
        if (node instanceof StmtTy.AsyncFunctionDef f) {
            walkExcept(node, block, "body");
            walk(f.body, new Block(true, true, false));
            return;
        }
        if (node instanceof ExprTy.Lambda l) {
            walk(l.args, block);
            walk(l.body, new Block(true, false, false));
            return;
        }
        if (node instanceof StmtTy.ClassDef c) {
            walkExcept(node, block, "body");
            walk(c.body, new Block(false, false, false));
            return;
        }
        if (node instanceof StmtTy.For || node instanceof StmtTy.While || node instanceof StmtTy.AsyncFor) {
            if (node instanceof StmtTy.AsyncFor && !block.async()) {
                throw new Found(node, "'async for' outside async function");
            }
            walkExcept(node, block, "body");
            walk(field(node, "body"), new Block(block.function(), block.async(), true));
            return;
        }
        if (node instanceof StmtTy.AsyncWith && !block.async()) {
            throw new Found(node, "'async with' outside async function");
        }
        if (node instanceof StmtTy.Return && !block.function()) {
            throw new Found(node, "'return' outside function");
        }
        if ((node instanceof ExprTy.Yield || node instanceof ExprTy.YieldFrom) && !block.function()) {
            throw new Found(node, "'yield' outside function");
        }
        if (node instanceof ExprTy.Await && !block.async()) {
            throw new Found(node, block.function() ? "'await' outside async function" : "'await' outside function");
        }
        if (node instanceof StmtTy.Break && !block.loop()) {
            throw new Found(node, "'break' outside loop");
        }
        if (node instanceof StmtTy.Continue && !block.loop()) {
            throw new Found(node, "'continue' not properly in loop");
        }
        walkExcept(node, block, null);
    }

    private static void walkExcept(SSTNode node, Block block, String skipped) {
        for (Field f : SstFields.childFields(node.getClass())) {
            if (!f.getName().equals(skipped)) {
                walk(SstFields.read(f, node), block);
            }
        }
    }

    private static Object field(SSTNode node, String name) {
        for (Field f : SstFields.childFields(node.getClass())) {
            if (f.getName().equals(name)) {
                return SstFields.read(f, node);
            }
        }
        return null;
    }
}
