package io.palimpsest.worker.recipe.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.recipe.Matrix;
import io.palimpsest.api.recipe.ParseMode;
import io.palimpsest.worker.recipe.RecipeYaml;
import io.palimpsest.worker.recipe.matrix.ParameterMatrix;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReplyParserTest {
    @Test
    void jsonIsFoundInProseFencesAndTrailingText() {
        assertEquals(Optional.of(List.of(1L, 2L)), ReplyParser.parse(ParseMode.json, "Sure: [1, 2] hope this helps"));
        assertEquals(
                Optional.of(Map.of("a", "x}")), ReplyParser.parse(ParseMode.json, "```json\n{\"a\": \"x}\"}\n```"));
        assertEquals(Optional.empty(), ReplyParser.parse(ParseMode.json, "no json here {broken"));
    }

    @Test
    void sectionsAreKeyedByHeading() {
        Object s = ReplyParser.parse(ParseMode.sections, "## Score\n7\n## Improved Code\nx = 1\n")
                .get();
        assertEquals(Map.of("score", "7", "improved_code", "x = 1"), s);
        assertTrue(ReplyParser.parse(ParseMode.sections, "no headings").isEmpty());
    }

    @Test
    void anEmptyCodeBlockIsNoCode() {
        assertTrue(
                ReplyParser.parse(ParseMode.code, "Here:\n```python\n\n```\n").isEmpty());
        assertEquals(Optional.of("x = 1"), ReplyParser.parse(ParseMode.code, "```python\nx = 1\n```"));
    }

    @Test
    void fixedMatrixIsTheCartesianProductAndLimitSamplesStably() {
        Matrix m =
                RecipeYaml.parse("{parameters: {genre: [tale, news, essay], audience: [kids, adults]}}", Matrix.class);
        List<Map<String, Object>> all = params(new ParameterMatrix(m, 1).combinations("d", Map.of()));
        assertEquals(6, all.size());
        assertEquals(Map.of("genre", "tale", "audience", "kids"), all.get(0));
        Matrix limited = RecipeYaml.parse(
                "{parameters: {genre: [tale, news, essay], audience: [kids, adults]}, limit: 2}", Matrix.class);
        List<Map<String, Object>> two = params(new ParameterMatrix(limited, 1).combinations("d", Map.of()));
        assertEquals(2, two.size());
        assertEquals(two, params(new ParameterMatrix(limited, 1).combinations("d", Map.of())));
    }

    @Test
    void stageMatrixTakesAListOrAWrappedList() {
        Matrix m = RecipeYaml.parse("{fromStage: pairs, limit: 2}", Matrix.class);
        ParameterMatrix pm = new ParameterMatrix(m, 0);
        List<Map<String, Object>> list = List.of(Map.of("g", "a"), Map.of("g", "b"), Map.of("g", "c"));
        assertEquals(2, params(pm.combinations("d", Map.of("pairs", list))).size());
        assertEquals(
                2,
                params(pm.combinations("d", Map.of("pairs", Map.of("pairs", list))))
                        .size());
        assertTrue(pm.combinations("d", Map.of("pairs", "not json")).isEmpty());
        assertTrue(pm.combinations("d", Map.of()).isEmpty());
    }

    @Test
    void aStageGivingTheSameCombinationTwiceRunsItOnceAndReportsTheCopy() {
        Matrix m = RecipeYaml.parse("{fromStage: pairs, limit: 3}", Matrix.class);
        List<Map<String, Object>> list = List.of(
                Map.of("genre", "tale", "audience", "kids"),
                Map.of("genre", " Tale", "audience", "kids "),
                Map.of("genre", "news", "audience", "adults"),
                Map.of("genre", "tale", "audience", "kids"),
                Map.of("genre", "essay", "audience", "adults"));
        ParameterMatrix.Combinations c = new ParameterMatrix(m, 0)
                .combinations("d", Map.of("pairs", list))
                .get();
        assertEquals(List.of(list.get(0), list.get(2), list.get(4)), params(Optional.of(c)));
        assertEquals(
                List.of(0, 1, 2),
                c.kept().stream().map(ParameterMatrix.Combination::index).toList());
        assertEquals(List.of(list.get(1), list.get(3)), c.duplicates());
        ParameterMatrix pm = new ParameterMatrix(m, 0);
        assertEquals("d#p2", pm.outputId("d", c.kept().get(2)));
        assertEquals("d", new ParameterMatrix(null, 0).outputId("d", c.kept().get(2)));
    }

    @Test
    void aFixedValueListedTwiceGivesOneCombination() {
        Matrix m = RecipeYaml.parse("{parameters: {genre: [tale, tale, news]}}", Matrix.class);
        ParameterMatrix.Combinations c =
                new ParameterMatrix(m, 0).combinations("d", Map.of()).get();
        assertEquals(List.of(Map.of("genre", "tale"), Map.of("genre", "news")), params(Optional.of(c)));
        assertEquals(1, c.duplicates().size());
    }

    private static List<Map<String, Object>> params(Optional<ParameterMatrix.Combinations> c) {
        return c.get().kept().stream().map(ParameterMatrix.Combination::params).toList();
    }
}
