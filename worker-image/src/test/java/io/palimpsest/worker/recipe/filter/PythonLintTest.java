package io.palimpsest.worker.recipe.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PythonLintTest {

    private static List<String> symbols(String source) {
        return PythonLint.score(source).messages().stream()
                .map(PythonLint.Message::symbol)
                .sorted()
                .toList();
    }

    @Test
    void aTidyModuleScoresTen() {
        String tidy = """
                \"\"\"Temperature conversions.\"\"\"
                import math


                def to_kelvin(celsius: float) -> float:
                    \"\"\"Celsius to kelvin.\"\"\"
                    return celsius + 273.15


                def circle_area(radius: float) -> float:
                    \"\"\"Area of a circle.\"\"\"
                    total = math.pi * radius ** 2
                    return total
                """;
        PythonLint.Report r = PythonLint.score(tidy);
        assertEquals(List.of(), r.messages());
        assertEquals(10.0, r.score(), 1e-9);
    }

    @Test
    void eachCheckFindsItsFault() {
        assertEquals(List.of("undefined-name"), symbols("\"\"\"m\"\"\"\nprint(undefined_thing)\n"));
        assertEquals(List.of("unused-import"), symbols("\"\"\"m\"\"\"\nimport os\nimport sys\nprint(sys.argv)\n"));
        assertEquals(
                List.of("unused-variable"),
                symbols("\"\"\"m\"\"\"\n\ndef f():\n    \"\"\"d\"\"\"\n    x = 1\n    return 2\n"));
        assertEquals(
                List.of("missing-function-docstring", "missing-module-docstring"), symbols("def f():\n    return 1\n"));
        assertEquals(List.of("bare-except"), symbols("\"\"\"m\"\"\"\ntry:\n    pass\nexcept:\n    pass\n"));
        assertEquals(
                List.of("dangerous-default-value"),
                symbols("\"\"\"m\"\"\"\n\ndef f(a=[]):\n    \"\"\"d\"\"\"\n    return a\n"));
        assertEquals(
                List.of("too-many-arguments"),
                symbols(
                        "\"\"\"m\"\"\"\n\ndef f(a, b, c, d, e, g):\n    \"\"\"d\"\"\"\n    return a + b + c + d + e + g\n"));
        assertEquals(List.of("line-too-long"), symbols("\"\"\"m\"\"\"\nx = '" + "a".repeat(120) + "'\n"));
    }

    @Test
    void namesBoundAnywhereTheyAreVisibleAreNotUndefined() {
        String source = """
                \"\"\"m\"\"\"
                from collections import Counter


                class Tally:
                    \"\"\"Counts.\"\"\"
                    limit = 3

                    def top(self, words):
                        \"\"\"The most common.\"\"\"
                        def _keep(w):
                            return len(w) > self.limit
                        return Counter(w for w in words if _keep(w)).most_common(self.limit)


                def main():
                    \"\"\"Entry.\"\"\"
                    global RESULT
                    RESULT = Tally().top(open(__file__).read().split())
                    print(RESULT, len([i for i in range(3)]))
                """;
        assertEquals(List.of(), symbols(source));
    }

    @Test
    void scoreFollowsPylintsFormulaAndUncompilableIsZero() {
        // 2 statements (import, expression), one error (5) and one warning (1): 10 - 10 x 6 / 2 = -20
        PythonLint.Report r = PythonLint.score("\"\"\"m\"\"\"\nimport os\nprint(nope)\n");
        assertEquals(3, r.statements());
        assertEquals(10 - 10.0 * 6 / 3, r.score(), 1e-9);
        assertEquals(0.0, PythonLint.score("def f(:\n").score());
        assertTrue(PythonLint.commentPenalty("# a\n# b\n# c\nx = 1\n") > 0);
    }

    /**
     * A module of comments alone (an __init__.py with only a licence header, common in code corpora) has no
     * statement, so it scores 0 (less the comment penalty) as any module without statements does; its tree has no body at all, which
     * ended the shard with a NullPointerException.
     */
    @Test
    void aModuleOfCommentsAloneScoresZero() {
        for (String source :
                List.of("# Copyright 2024 The Authors.\n# SPDX-License-Identifier: MIT\n", "# c", "\n# c\n\n")) {
            PythonLint.Report r = PythonLint.score(source);
            assertEquals(0, r.statements());
            assertEquals(-r.commentPenalty(), r.score(), 1e-9, source);
        }
    }
}
