package io.palimpsest.worker.recipe.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PythonSyntaxTest {
    /** Source, and whether CPython 3.11's compile(src, "f", "exec") accepts it. */
    static List<Object[]> cases() {
        return List.of(
                new Object[] {"x = 1\n", true},
                new Object[] {"print('hi')\n", true},
                new Object[] {"print 'hi'\n", false},
                new Object[] {"def f(:\n    pass\n", false},
                new Object[] {"f() = 1\n", false},
                new Object[] {"x = (1,\n", false},
                new Object[] {"if x:\npass\n", false},
                new Object[] {"if x:\n\tpass\n        pass\n", false},
                new Object[] {"  x = 1\n", false},
                new Object[] {"def f(a, a): pass\n", false},
                new Object[] {"nonlocal x\n", false},
                new Object[] {"def f():\n    nonlocal x\n", false},
                new Object[] {"return 1\n", false},
                new Object[] {"yield 1\n", false},
                new Object[] {"break\n", false},
                new Object[] {"for i in x:\n    pass\nelse:\n    continue\n", false},
                new Object[] {"for i in x:\n    if i:\n        break\n", true},
                new Object[] {"def f():\n    await g()\n", false},
                new Object[] {"async def f():\n    await g()\n    async with a as b:\n        pass\n", true},
                new Object[] {"class C:\n    return 1\n", false},
                new Object[] {"def f():\n    class C:\n        return 1\n", false},
                new Object[] {"def g():\n    return (yield 1)\n", true},
                new Object[] {"f = lambda: (yield)\n", true},
                new Object[] {"match p:\n    case [x, y]:\n        pass\n    case _:\n        pass\n", true},
                new Object[] {"if (n := 10) > 5:\n    pass\n", true},
                new Object[] {"def f(a, /, b, *, c): pass\n", true},
                new Object[] {"def f(a=1, b): pass\n", false},
                new Object[] {"x = f'{a!r:>{w}}'\n", true},
                new Object[] {"x = f'{a!z}'\n", false},
                new Object[] {"x = 'caf\\N{LATIN SMALL LETTER E WITH ACUTE}'\n", true},
                new Object[] {"é = 3\n", true},
                new Object[] {"x = 1 +\n", false},
                new Object[] {"try:\n    pass\nexcept* ValueError:\n    pass\n", true},
                new Object[] {"del f()\n", false},
                new Object[] {"x = [i for i in range(3) if i]\n", true},
                new Object[] {"x = 0777\n", false},
                new Object[] {"with open('f') as f, open('g') as g:\n    pass\n", true},
                new Object[] {"def f(**kw, *a): pass\n", false},
                new Object[] {"import a.b as c\nfrom . import d\n", true},
                new Object[] {"a, *b = 1, 2, 3\n", true},
                new Object[] {"True = 1\n", false},
                new Object[] {"x = \"\"\"unterminated\n", false},
                new Object[] {"", true});
    }

    @ParameterizedTest
    @MethodSource("cases")
    void agreesWithCPythonOnTheTable(String source, boolean compiles) {
        assertEquals(
                compiles, PythonSyntax.check(source).isEmpty(), () -> source + " -> " + PythonSyntax.check(source));
    }

    /**
     * CPython's compile() raises RecursionError ("maximum recursion depth exceeded during compilation") on
     * an expression nested some thousands deep, and so does the filter, where walking the tree overflowed
     * the thread's stack and the StackOverflowError ended the shard; the lint score of such a file is 0. (A
     * hundred thousand unary minuses are a MemoryError of CPython's parser: not compiled either.)
     */
    @Test
    void aModuleNestedDeeperThanCompileGoesIsARecursionError() {
        for (String source : List.of(
                "x = " + String.join(" + ", Collections.nCopies(3000, "1")) + "\n",
                "x = " + String.join(" + ", Collections.nCopies(200_000, "1")) + "\n",
                "x = " + "-".repeat(100_000) + "1\n")) {
            var problem = PythonSyntax.check(source);
            assertTrue(problem.isPresent(), () -> source.substring(0, 40));
            assertTrue(
                    problem.get().kind().equals("RecursionError") || source.contains("---"), problem.get()::toString);
            assertEquals(0.0, PythonLint.score(source).score());
        }
    }

    /**
     * Where CPython 3.11 stops (2,990 terms compile, 2,991 do not; so for unary minuses at 2,989), and the same
     * answer on a thread with a quarter of the usual stack (1 MB): the planner's sample for a preview and the shard
     * gave one file different reasons when the verdict was the stack running out.
     */
    @Test
    void theDepthLimitIsCPythonsWhateverTheThreadsStack() throws Exception {
        Map<String, Boolean> cases = new LinkedHashMap<>();
        cases.put("x = " + String.join(" + ", Collections.nCopies(2990, "1")) + "\n", true);
        cases.put("x = " + String.join(" + ", Collections.nCopies(2991, "1")) + "\n", false);
        cases.put("x = " + "-".repeat(2989) + "1\n", true);
        cases.put("x = " + "-".repeat(2990) + "1\n", false);
        cases.put("x = a" + ".b".repeat(2989) + "\n", true);
        cases.put("x = a" + ".b".repeat(2990) + "\n", false);
        for (Map.Entry<String, Boolean> c : cases.entrySet()) {
            String shown = c.getKey().substring(0, 12) + "... (" + c.getKey().length() + " chars)";
            assertEquals(c.getValue(), PythonSyntax.check(c.getKey()).isEmpty(), shown);
            AtomicReference<Boolean> onSmallStack = new AtomicReference<>();
            Thread small = new Thread(
                    null, () -> onSmallStack.set(PythonSyntax.check(c.getKey()).isEmpty()), "small-stack", 256 * 1024);
            small.start();
            small.join();
            assertEquals(c.getValue(), onSmallStack.get(), shown + " on a 256 KB stack");
        }
    }

    /** When CPython 3.11 is on the machine, ask it too: the table itself must be right. */
    @Test
    void tableMatchesTheRealCompile() throws Exception {
        Assumptions.assumeTrue(python311(), "python3.11 not installed");
        Path dir = Files.createTempDirectory("pysyntax");
        List<Object[]> cases = cases();
        StringBuilder script = new StringBuilder(
                "import sys\nfor i in range(" + cases.size() + "):\n"
                        + "    src = open(sys.argv[1] + '/' + str(i), encoding='utf-8').read()\n"
                        + "    try:\n        compile(src, 'f', 'exec'); print('1')\n    except (SyntaxError, ValueError):\n        print('0')\n");
        for (int i = 0; i < cases.size(); i++) {
            Files.writeString(dir.resolve(String.valueOf(i)), (String) cases.get(i)[0], StandardCharsets.UTF_8);
        }
        Process p = new ProcessBuilder("python3", "-c", script.toString(), dir.toString())
                .redirectErrorStream(true)
                .start();
        List<String> answers = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .toList();
        p.waitFor(30, TimeUnit.SECONDS);
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            boolean cpython = "1".equals(answers.get(i));
            if (cpython != (boolean) cases.get(i)[1]) {
                mismatches.add((String) cases.get(i)[0]);
            }
        }
        assertEquals(List.of(), mismatches);
    }

    private static boolean python311() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import sys; print(sys.version_info[:2] == (3, 11))")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor(10, TimeUnit.SECONDS) && out.equals("True");
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
