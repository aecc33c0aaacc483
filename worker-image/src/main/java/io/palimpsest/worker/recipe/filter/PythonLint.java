package io.palimpsest.worker.recipe.filter;

import com.oracle.graal.python.pegparser.scope.Scope;
import com.oracle.graal.python.pegparser.sst.AliasTy;
import com.oracle.graal.python.pegparser.sst.ArgumentsTy;
import com.oracle.graal.python.pegparser.sst.ConstantValue;
import com.oracle.graal.python.pegparser.sst.ExceptHandlerTy;
import com.oracle.graal.python.pegparser.sst.ExprTy;
import com.oracle.graal.python.pegparser.sst.ModTy;
import com.oracle.graal.python.pegparser.sst.SSTNode;
import com.oracle.graal.python.pegparser.sst.StmtTy;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A lint score for a Python file on pylint's scale, computed in the worker with no Python runtime:
 * {@code 10 - 10 x (5 x errors + warnings + refactors + conventions) / statements}, from the
 * checks pylint makes that matter most for training data, read off GraalPy's parser tree and
 * symbol tables (the ones {@link PythonSyntax} already uses):
 * <ul>
 *   <li>error: undefined-name (a name neither bound in its scopes, nor a builtin);</li>
 *   <li>warning: unused-import, unused-variable, bare-except, dangerous-default-value;</li>
 *   <li>refactor: too-many-arguments (&gt; 5), too-many-branches (&gt; 12), too-many-statements (&gt; 50);</li>
 *   <li>convention: missing module, class and function docstrings (public names), line-too-long (&gt; 100).</li>
 * </ul>
 * Then a comment-ratio penalty of this project's own: a file whose non-blank lines are over half
 * comments (commented-out code, licence walls) loses 10 points per unit of the excess.
 *
 * <p>Why not pylint itself: it runs on CPython (astroid), and GraalPy would add a Python runtime of
 * several hundred MB to the worker image, for a score this approximates closely on the checks
 * above. The score is a pure function of the text; a file that does not compile scores 0.
 */
public final class PythonLint {
    public static final double DEFAULT_MIN_SCORE = 7.0;
    static final int MAX_LINE = 100;
    static final int MAX_ARGS = 5;
    static final int MAX_BRANCHES = 12;
    static final int MAX_STATEMENTS = 50;

    /** One finding, as pylint would name it. */
    public record Message(char category, String symbol, int line, String detail) {
        @Override
        public String toString() {
            return symbol + " (line " + line + ")" + (detail == null ? "" : ": " + detail);
        }
    }

    /** The score and what made it. */
    public record Report(double score, int statements, List<Message> messages, double commentPenalty) {
        /** Counts by symbol, for a skip's detail. */
        public String summary() {
            Map<String, Integer> bySymbol = new TreeMap<>();
            messages.forEach(m -> bySymbol.merge(m.symbol(), 1, Integer::sum));
            return String.format(
                    Locale.ROOT,
                    "score %.2f over %d statements%s%s",
                    score,
                    statements,
                    bySymbol.isEmpty() ? "" : ": " + bySymbol,
                    commentPenalty > 0 ? String.format(Locale.ROOT, ", comment penalty %.2f", commentPenalty) : "");
        }
    }

    private static final Set<String> BUILTINS =
            Set.of(("abs aiter all anext any ascii bin bool breakpoint bytearray bytes "
                            + "callable chr classmethod compile complex copyright credits delattr dict dir divmod enumerate eval exec exit "
                            + "filter float format frozenset getattr globals hasattr hash help hex id input int isinstance issubclass iter "
                            + "len license list locals map max memoryview min next object oct open ord pow print property quit range repr "
                            + "reversed round set setattr slice sorted staticmethod str sum super tuple type vars zip __import__ "
                            + "__name__ __file__ __doc__ __spec__ __loader__ __package__ __builtins__ __debug__ __annotations__ __path__ "
                            + "__dict__ __module__ __qualname__ __class__ NotImplemented Ellipsis None True False "
                            + "BaseException BaseExceptionGroup Exception ExceptionGroup ArithmeticError AssertionError AttributeError "
                            + "BlockingIOError BrokenPipeError BufferError BytesWarning ChildProcessError ConnectionAbortedError "
                            + "ConnectionError ConnectionRefusedError ConnectionResetError DeprecationWarning EOFError EncodingWarning "
                            + "EnvironmentError FileExistsError FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError "
                            + "ImportError ImportWarning IndentationError IndexError InterruptedError IsADirectoryError KeyError "
                            + "KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError NotADirectoryError "
                            + "NotImplementedError OSError OverflowError PendingDeprecationWarning PermissionError ProcessLookupError "
                            + "RecursionError ReferenceError ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration StopIteration "
                            + "SyntaxError SyntaxWarning SystemError SystemExit TabError TimeoutError TypeError UnboundLocalError "
                            + "UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning UserWarning "
                            + "ValueError Warning ZeroDivisionError")
                    .split(" "));

    private static final EnumSet<Scope.DefUse> BOUND =
            EnumSet.of(Scope.DefUse.DefLocal, Scope.DefUse.DefParam, Scope.DefUse.DefImport);

    private PythonLint() {}

    public static Report score(String source) {
        var parsed = PythonSyntax.parse(source);
        if (parsed.isEmpty()) {
            return new Report(0, 0, List.of(new Message('E', "syntax-error", 0, "does not compile")), 0);
        }
        ModTy module = parsed.get().module();
        Scope top = parsed.get().scopes().lookupScope(module);
        List<Message> messages = new ArrayList<>();
        Tree tree;
        try {
            // the walk recurses per level as the parser does, so a file near CPython's limit needs its stack too;
            // a walk cut short by this thread's stack is thrown away and done again whole
            tree = PythonSyntax.onEnoughStack(() -> {
                Tree walked = new Tree();
                List<Message> found = new ArrayList<>();
                walked.walk(module, found);
                walked.found = found;
                return walked;
            });
        } catch (StackOverflowError e) {
            return new Report(0, 0, List.of(new Message('E', "syntax-error", 0, "nested too deeply")), 0);
        }
        messages.addAll(tree.found);
        if (!tree.starImport) {
            names(top, messages, tree);
        }
        lines(source, messages);
        int statements = tree.statements;
        double score = statements == 0 ? 0 : 10.0 - 10.0 * weighted(messages) / statements;
        double penalty = commentPenalty(source);
        return new Report(score - penalty, statements, messages, penalty);
    }

    private static double weighted(List<Message> messages) {
        double sum = 0;
        for (Message m : messages) {
            sum += m.category() == 'E' ? 5 : 1;
        }
        return sum;
    }

    /** undefined-name, unused-import, unused-variable from the symbol tables. */
    private static void names(Scope top, List<Message> out, Tree tree) {
        Set<String> moduleNames = new HashSet<>(symbols(top, BOUND));
        List<Scope> all = new ArrayList<>();
        collect(top, all);
        Set<String> usedAsGlobal = new HashSet<>();
        for (Scope s : all) {
            moduleNames.addAll(symbols(s, EnumSet.of(Scope.DefUse.DefGlobal)));
            for (String name : symbols(s, EnumSet.of(Scope.DefUse.Use))) {
                EnumSet<Scope.DefUse> use = s.getUseOfName(name);
                if (s == top
                        || use.contains(Scope.DefUse.GlobalImplicit)
                        || use.contains(Scope.DefUse.GlobalExplicit)) {
                    usedAsGlobal.add(name);
                }
            }
        }
        for (Scope s : all) {
            for (String name : symbols(s, EnumSet.of(Scope.DefUse.Use))) {
                EnumSet<Scope.DefUse> use = s.getUseOfName(name);
                boolean local = use.stream().anyMatch(BOUND::contains) && !s.isClass()
                        || use.contains(Scope.DefUse.Free)
                        || use.contains(Scope.DefUse.DefFreeClass);
                if (s.isClass() && use.stream().anyMatch(BOUND::contains)) {
                    local = true;
                }
                if (!local && !moduleNames.contains(name) && !BUILTINS.contains(name)) {
                    out.add(new Message('E', "undefined-name", line(s), "'" + name + "'"));
                }
            }
        }
        boolean exportsAll = moduleNames.contains("__all__");
        for (String name : symbols(top, EnumSet.of(Scope.DefUse.DefImport))) {
            if (!usedAsGlobal.contains(name) && !exportsAll && !tree.futureImports.contains(name)) {
                out.add(new Message('W', "unused-import", tree.importLine.getOrDefault(name, 0), "'" + name + "'"));
            }
        }
        for (Scope s : all) {
            if (!s.isFunction()) {
                continue;
            }
            for (String name : symbols(s, EnumSet.of(Scope.DefUse.DefLocal, Scope.DefUse.DefImport))) {
                EnumSet<Scope.DefUse> use = s.getUseOfName(name);
                if (name.startsWith("_")
                        || use.contains(Scope.DefUse.Use)
                        || use.contains(Scope.DefUse.Cell)
                        || use.contains(Scope.DefUse.DefParam)
                        || use.contains(Scope.DefUse.DefGlobal)
                        || use.contains(Scope.DefUse.DefNonLocal)
                        || use.contains(Scope.DefUse.Free)) {
                    continue;
                }
                boolean imported = use.contains(Scope.DefUse.DefImport);
                out.add(new Message(
                        'W',
                        imported ? "unused-import" : "unused-variable",
                        line(s),
                        "'" + name + "' in " + s.getName()));
            }
        }
    }

    private static Set<String> symbols(Scope scope, EnumSet<Scope.DefUse> flags) {
        return scope.getSymbolsByType(flags, 0).keySet();
    }

    private static void collect(Scope s, List<Scope> out) {
        out.add(s);
        for (Scope c : s.getChildren()) {
            collect(c, out);
        }
    }

    private static int line(Scope s) {
        return 0;
    }

    private static void lines(String source, List<Message> out) {
        String[] lines = source.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].stripTrailing().length() > MAX_LINE) {
                out.add(new Message(
                        'C', "line-too-long", i + 1, lines[i].stripTrailing().length() + "/" + MAX_LINE));
            }
        }
    }

    /** This project's rule: over half of the non-blank lines being comments costs 10 points per unit of excess. */
    static double commentPenalty(String source) {
        int code = 0;
        int comments = 0;
        for (String line : source.split("\n")) {
            String t = line.strip();
            if (t.isEmpty()) {
                continue;
            }
            if (t.startsWith("#")) {
                comments++;
            } else {
                code++;
            }
        }
        int total = code + comments;
        double ratio = total == 0 ? 0 : (double) comments / total;
        return ratio > 0.5 ? 10 * (ratio - 0.5) : 0;
    }

    /** The tree pass: statements, docstrings, function sizes, except clauses, default values, imports. */
    private static final class Tree {
        /** The messages of the walk that made this tree's counts. */
        List<Message> found = List.of();

        int statements;
        boolean starImport;
        final Set<String> futureImports = new HashSet<>();
        final Map<String, Integer> importLine = new LinkedHashMap<>();

        void walk(ModTy module, List<Message> out) {
            // a module of comments alone has no body at all (null), and nothing to lint
            if (module instanceof ModTy.Module m && m.body != null) {
                if (m.body.length > 0 && !docstring(m.body)) {
                    out.add(new Message('C', "missing-module-docstring", 1, null));
                }
                body(m.body, out);
            }
        }

        private void body(StmtTy[] stmts, List<Message> out) {
            if (stmts == null) {
                return;
            }
            for (StmtTy s : stmts) {
                stmt(s, out);
            }
        }

        private void stmt(StmtTy s, List<Message> out) {
            statements++;
            int line = lineOf(s);
            if (s instanceof StmtTy.FunctionDef f) {
                function(f.name, f.args, f.body, line, out);
                body(f.body, out);
            } else if (s instanceof StmtTy.AsyncFunctionDef f) {
                function(f.name, f.args, f.body, line, out);
                body(f.body, out);
            } else if (s instanceof StmtTy.ClassDef c) {
                if (!c.name.startsWith("_") && !docstring(c.body)) {
                    out.add(new Message('C', "missing-class-docstring", line, "'" + c.name + "'"));
                }
                body(c.body, out);
            } else {
                if (s instanceof StmtTy.Import imp) {
                    for (AliasTy a : imp.names) {
                        String bound = a.asName != null ? a.asName : a.name.split("\\.")[0];
                        importLine.putIfAbsent(bound, line);
                    }
                } else if (s instanceof StmtTy.ImportFrom from) {
                    for (AliasTy a : from.names) {
                        if ("*".equals(a.name)) {
                            starImport = true;
                        }
                        String bound = a.asName != null ? a.asName : a.name;
                        importLine.putIfAbsent(bound, line);
                        if ("__future__".equals(from.module)) {
                            futureImports.add(bound);
                        }
                    }
                }
                children(s, out, null);
            }
        }

        private void function(String name, ArgumentsTy args, StmtTy[] body, int line, List<Message> out) {
            if (!name.startsWith("_") && !docstring(body)) {
                out.add(new Message('C', "missing-function-docstring", line, "'" + name + "'"));
            }
            if (args != null) {
                int n = length(args.posOnlyArgs) + length(args.args) + length(args.kwOnlyArgs);
                if (n > MAX_ARGS) {
                    out.add(new Message('R', "too-many-arguments", line, "'" + name + "' takes " + n + "/" + MAX_ARGS));
                }
                for (ExprTy[] defaults : new ExprTy[][] {args.defaults, args.kwDefaults}) {
                    if (defaults == null) {
                        continue;
                    }
                    for (ExprTy d : defaults) {
                        if (d instanceof ExprTy.List || d instanceof ExprTy.Dict || d instanceof ExprTy.Set) {
                            out.add(new Message('W', "dangerous-default-value", line, "'" + name + "'"));
                        }
                    }
                }
            }
            int[] counts = new int[2]; // statements, branches in this function (not nested ones)
            count(body, counts);
            if (counts[0] > MAX_STATEMENTS) {
                out.add(new Message(
                        'R', "too-many-statements", line, "'" + name + "' has " + counts[0] + "/" + MAX_STATEMENTS));
            }
            if (counts[1] > MAX_BRANCHES) {
                out.add(new Message(
                        'R', "too-many-branches", line, "'" + name + "' has " + counts[1] + "/" + MAX_BRANCHES));
            }
        }

        private static int length(Object[] a) {
            return a == null ? 0 : a.length;
        }

        private static void count(Object value, int[] counts) {
            if (value instanceof SSTNode[] nodes) {
                for (SSTNode n : nodes) {
                    count(n, counts);
                }
                return;
            }
            if (!(value instanceof SSTNode node)) {
                return;
            }
            if (node instanceof StmtTy) {
                counts[0]++;
                if (node instanceof StmtTy.FunctionDef
                        || node instanceof StmtTy.AsyncFunctionDef
                        || node instanceof StmtTy.ClassDef) {
                    return; // a nested definition is its own function
                }
                if (node instanceof StmtTy.If
                        || node instanceof StmtTy.For
                        || node instanceof StmtTy.While
                        || node instanceof StmtTy.Try
                        || node instanceof StmtTy.With
                        || node instanceof StmtTy.AsyncFor
                        || node instanceof StmtTy.AsyncWith) {
                    counts[1]++;
                }
            }
            if (node instanceof ExceptHandlerTy) {
                counts[1]++;
            }
            for (Field f : SstFields.childFields(node.getClass())) {
                count(SstFields.read(f, node), counts);
            }
        }

        /** Nested statements (bodies of if/for/try...), except handlers and their checks. */
        private void children(SSTNode node, List<Message> out, String skipped) {
            for (Field f : SstFields.childFields(node.getClass())) {
                if (f.getName().equals(skipped) || f.getName().equals("decoratorList")) {
                    continue;
                }
                Object value = SstFields.read(f, node);
                if (value instanceof StmtTy[] stmts) {
                    body(stmts, out);
                } else if (value instanceof ExceptHandlerTy[] handlers) {
                    for (ExceptHandlerTy h : handlers) {
                        if (h instanceof ExceptHandlerTy.ExceptHandler eh) {
                            if (eh.type == null) {
                                out.add(new Message('W', "bare-except", lineOf(eh), null));
                            }
                            body(eh.body, out);
                        }
                    }
                } else if (value instanceof SSTNode[] nodes) {
                    for (SSTNode n : nodes) {
                        if (n != null && !(n instanceof ExprTy)) {
                            children(n, out, null); // match cases, with items
                        }
                    }
                } else if (value instanceof SSTNode n && !(n instanceof ExprTy)) {
                    children(n, out, null);
                }
            }
        }

        private static boolean docstring(StmtTy[] body) {
            return body != null
                    && body.length > 0
                    && body[0] instanceof StmtTy.Expr e
                    && e.value instanceof ExprTy.Constant c
                    && c.value != null
                    && c.value.kind == ConstantValue.Kind.RAW;
        }

        private static int lineOf(SSTNode n) {
            return n.getSourceRange() == null ? 0 : n.getSourceRange().startLine;
        }
    }
}
