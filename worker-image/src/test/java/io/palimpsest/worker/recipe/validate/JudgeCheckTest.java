package io.palimpsest.worker.recipe.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.recipe.ValidatorSpec;
import io.palimpsest.worker.recipe.FakeModel;
import io.palimpsest.worker.recipe.RecipeException;
import io.palimpsest.worker.recipe.RecipeYaml;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The judge's score is its last word, a plain number on its declared scale, or no score at all. */
class JudgeCheckTest {
    private static JudgeCheck judge(String yaml) {
        return new JudgeCheck(
                RecipeYaml.parse(yaml, ValidatorSpec.class),
                new FakeModel(r -> FakeModel.stop("unused")),
                new PromptRenderer().judging(),
                "test");
    }

    private static final JudgeCheck ONE_TO_FIVE = judge("{type: judge, judge: {user: 'Rate {{ output }}'}}");

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            nullValues = "-",
            value = {
                "Score: 4                                                           | 4.0",
                "On a scale of 1 to 5, the rewrite keeps its facts. Score: 2        | 2.0",
                "Score (1-5): 4                                                     | 4.0",
                "**Score:** 5                                                       | 5.0",
                "Rating: 3/5                                                        | 3.0",
                "First I thought score 2, but on reflection: Final score: 4         | 4.0",
                "My rating is 3.5                                                   | 3.5",
                "On a scale of 1 to 5 I would give it 4 out of 5.                   | 4.0",
                "On a scale of 1-5 this deserves a 3.                               | 3.0",
                "Score: 10                                                          | -",
                "95%                                                                | -",
                "Score: 95%                                                         | -",
                "Score: NaN                                                         | -",
                "Score: N/A (the text is empty)                                     | -",
                "Score: 0                                                           | -",
                "I like it.                                                         | -",
                // a range or an explained point is the scale, not the score, labelled or not
                "Using a score of 1 to 5, I'd give it a 4.                          | 4.0",
                "On a rating of 1-5, this rewrite earns 4.                          | 4.0",
                "Score: 4. On a score of 1 to 5 that is good.                       | 4.0",
                "I give it 4. (Grade of 1 means poor.)                              | 4.0",
                "I give it a score of 4.                                            | 4.0",
                "Rating: 4 (on a scale of 1 to 5)                                   | 4.0",
                "Score 1-5: 4. The text has 3 typos.                                | 4.0",
                "1 means poor and 5 means excellent; this one is a 2.               | 2.0",
                "1 = poor, 5 = excellent. I give it 3.                              | 3.0",
                "Scale 1–5. Score: 5                                                | 5.0",
                // ambiguous: no one number is the score, so none is read
                "Score: 3-4                                                         | -",
                "Score: 3 to 4, the rewrite drops a date.                           | -",
                "Score: 1 = poor, 5 = excellent                                     | -",
                "I'd say 4-5.                                                       | -",
            })
    void theDefaultReadingTakesTheLastLabelledNumberOnTheScale(String reply, Double expected) {
        assertEquals(expected, ONE_TO_FIVE.readScore(reply).value(), reply);
    }

    @Test
    void aLabelledScoreOutweighsLaterUnlabelledNumbers() {
        assertEquals(
                4.0,
                ONE_TO_FIVE
                        .readScore("Score: 4\nThe rewrite keeps 3 of its 5 facts.")
                        .value());
        assertEquals(
                2.0,
                ONE_TO_FIVE
                        .readScore("Scale: 1 means poor, 5 means excellent.\nScore: 2\n")
                        .value());
    }

    @Test
    void aRangeWhereTheScoreShouldBeIsUnreadableAndSaysSo() {
        assertEquals(
                "the judge's score '3-4' is a range or a point of the scale explained, not one score",
                ONE_TO_FIVE.readScore("Score: 3-4").problem());
        assertEquals(
                "the judge's score '1 to 5' is a range or a point of the scale explained, not one score",
                ONE_TO_FIVE.readScore("Rating: 1 to 5").problem());
        assertEquals(
                "no score in the judge's reply",
                ONE_TO_FIVE.readScore("I'd say 4-5.").problem());
    }

    @Test
    void aScoreOffTheScaleOrNotANumberSaysWhy() {
        assertEquals(
                "the judge's score 10 is outside its scale 1-5",
                ONE_TO_FIVE.readScore("Score: 10").problem());
        assertEquals(
                "the judge's score '95%' is not a number",
                ONE_TO_FIVE.readScore("Score: 95%").problem());
        assertEquals(
                "no score in the judge's reply",
                ONE_TO_FIVE.readScore("I like it.").problem());
        JudgeCheck anyToken = judge("{type: judge, scorePattern: 'Score:\\s*(\\S+)', judge: {user: 'Rate'}}");
        assertEquals(
                "the judge's score 'NaN' is not a number",
                anyToken.readScore("Score: NaN").problem());
        assertEquals(
                "the judge's score 'Infinity' is not a number",
                anyToken.readScore("Score: Infinity").problem());
        assertNull(anyToken.readScore("Score: 12").value());
        assertEquals(2.0, anyToken.readScore("Score: 5 ... no, Score: 2").value(), "the last match counts");
    }

    @Test
    void aDeclaredScaleReplacesOneToFiveAndTheThresholdMustBeOnIt() {
        JudgeCheck tenPoint = judge("{type: judge, min: 0, max: 10, threshold: 7, judge: {user: 'Rate'}}");
        assertEquals(8.0, tenPoint.readScore("Score: 8/10").value());
        assertEquals(0.0, tenPoint.readScore("Score: 0").value());
        assertNull(tenPoint.readScore("Score: 11").value());
        RecipeException e =
                assertThrows(RecipeException.class, () -> judge("{type: judge, threshold: 7, judge: {user: 'Rate'}}"));
        assertTrue(e.getMessage().contains("threshold 7 is outside its scale 1-5"), e.getMessage());
    }

    /** The whole match is the score of a pattern without groups, look-arounds and all. */
    @Test
    void aScorePatternWithoutGroupsReadsItsWholeMatch() {
        JudgeCheck digits = judge("{type: judge, scorePattern: '[0-9]+', judge: {user: 'Rate'}}");
        assertEquals(4.0, digits.readScore("Score: 4").value());
        JudgeCheck decimal = judge("{type: judge, scorePattern: '\\d+(?:\\.\\d+)?', judge: {user: 'Rate'}}");
        assertEquals(4.5, decimal.readScore("Score: 4.5").value());
        JudgeCheck looking = judge("{type: judge, scorePattern: '(?<=Fidelity: )\\d(?=/5)', judge: {user: 'Rate'}}");
        assertEquals(3.0, looking.readScore("Style: 5/5\nFidelity: 3/5").value());
        assertEquals(
                "the judge's score '1.2.3' is not a number",
                judge("{type: judge, scorePattern: '[0-9.]+', judge: {user: 'Rate'}}")
                        .readScore("Score: 1.2.3")
                        .problem());
    }

    /**
     * In \\d+(\\.\\d+)? group 1 is the decimals, not the score: "4.5" read as ".5", no number, for every
     * reply with decimals, while "4" read the whole match. Such a pattern is refused on its field.
     */
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "\\d+(\\.\\d+)?            | (\\.\\d+)?",
                "Score: (\\d)*               | (\\d)*",
                "(?<score>\\d){0,1}          | (?<score>\\d){0,1}",
                "[(]\\d+(\\.\\d+)??         | (\\.\\d+)??",
                "\\Q(x)\\E(\\d)?             | (\\d)?",
            })
    void aScorePatternThatMayLeaveOutItsFirstGroupIsRefused(String pattern, String group) {
        Validators.BadBound e = assertThrows(
                Validators.BadBound.class,
                () -> judge("{type: judge, scorePattern: '" + pattern + "', judge: {user: 'Rate'}}"));
        assertEquals("scorePattern", e.field());
        assertTrue(e.problem().startsWith("group 1, " + group + ", is optional"), e.problem());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "Score:\\s*(\\d+(\\.\\d+)?)  | Score: 4.5     | 4.5",
                "'Score: (\\d)|(\\d)/5'       | It is 3/5       | 3.0",
                "(?:Final )?score: (\\d)     | Final score: 2  | 2.0",
                "(?i)(?<=score: )(\\d)(x)?   | Score: 4        | 4.0",
                "[(?]+(\\d)                  | ((4             | 4.0",
            })
    void aFirstGroupThatEveryMatchHoldsIsTheScore(String pattern, String reply, double expected) {
        JudgeCheck j = judge("{type: judge, scorePattern: '" + pattern + "', judge: {user: 'Rate'}}");
        assertEquals(expected, j.readScore(reply).value(), reply);
    }
}
