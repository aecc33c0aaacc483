package io.palimpsest.worker.recipe.filter;

import com.oracle.graal.python.pegparser.sst.ExprTy;
import com.oracle.graal.python.pegparser.sst.SSTNode;
import com.oracle.graal.python.pegparser.sst.StmtTy;
import java.lang.reflect.Field;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
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
            this(node, "SyntaxError", message);
        }

        Found(SSTNode node, String kind, String message) {
            super(null, null, false, false);
            int line = node.getSourceRange() == null ? 0 : node.getSourceRange().startLine;
            this.problem = new PythonSyntax.SyntaxProblem(line, kind, message);
        }
    }

    /**
     * The deepest tree CPython 3.11's compile() takes, counted in nodes from the module: a sum of 2,990 terms,
     * 2,989 unary minuses or attribute accesses compile, one more is "RecursionError: maximum recursion depth
     * exceeded during compilation". Counted here rather than met as a stack that runs out, which depends on
     * the thread and on how deep its caller was: a file must get the same verdict in a preview's sample and in
     * its shard.
     */
    static final int MAX_DEPTH = 2992;

    /** A value of the tree still to look at, where it sits, and how deep. */
    private record Visit(Object value, Block block, int depth) {}

    private CompileStageCheck() {}

    static Optional<PythonSyntax.SyntaxProblem> check(SSTNode module) {
        // an explicit stack, in source order: the walk itself never runs out of the thread's
        Deque<Visit> todo = new ArrayDeque<>();
        todo.push(new Visit(module, Block.MODULE, 1));
        try {
            while (!todo.isEmpty()) {
                visit(todo.pop(), todo);
            }
            return Optional.empty();
        } catch (Found f) {
            return Optional.of(f.problem);
        }
    }

    private static void visit(Visit v, Deque<Visit> todo) {
        if (v.value() instanceof SSTNode[] nodes) {
            for (int i = nodes.length - 1; i >= 0; i--) {
                todo.push(new Visit(nodes[i], v.block(), v.depth()));
            }
            return;
        }
        if (!(v.value() instanceof SSTNode node)) {
            return;
        }
        if (v.depth() > MAX_DEPTH) {
            throw new Found(node, "RecursionError", "maximum recursion depth exceeded during compilation");
        }
        Block block = v.block();
        List<Visit> children = new ArrayList<>();
        int below = v.depth() + 1;
        if (node instanceof StmtTy.FunctionDef f) {
            fieldsExcept(node, block, "body", below, children);
            children.add(new Visit(f.body, new Block(true, false, false), below));
        } else if (node instanceof StmtTy.AsyncFunctionDef f) {
            fieldsExcept(node, block, "body", below, children);
            children.add(new Visit(f.body, new Block(true, true, false), below));
        } else if (node instanceof ExprTy.Lambda l) {
            children.add(new Visit(l.args, block, below));
            children.add(new Visit(l.body, new Block(true, false, false), below));
        } else if (node instanceof StmtTy.ClassDef c) {
            fieldsExcept(node, block, "body", below, children);
            children.add(new Visit(c.body, new Block(false, false, false), below));
        } else if (node instanceof StmtTy.For || node instanceof StmtTy.While || node instanceof StmtTy.AsyncFor) {
            if (node instanceof StmtTy.AsyncFor && !block.async()) {
                throw new Found(node, "'async for' outside async function");
            }
            fieldsExcept(node, block, "body", below, children);
            children.add(new Visit(field(node, "body"), new Block(block.function(), block.async(), true), below));
        } else {
            checkPlace(node, block);
            fieldsExcept(node, block, null, below, children);
        }
        for (int i = children.size() - 1; i >= 0; i--) {
            todo.push(children.get(i));
        }
    }

    /** Statements and expressions that CPython's compiler refuses outside the block they need. */
    private static void checkPlace(SSTNode node, Block block) {
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
    }

    private static void fieldsExcept(SSTNode node, Block block, String skipped, int depth, List<Visit> out) {
        for (Field f : SstFields.childFields(node.getClass())) {
            if (!f.getName().equals(skipped)) {
                out.add(new Visit(SstFields.read(f, node), block, depth));
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
