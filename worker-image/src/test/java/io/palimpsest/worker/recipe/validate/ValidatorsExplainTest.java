package io.palimpsest.worker.recipe.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.palimpsest.api.recipe.ValidatorSpec;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.recipe.RecipeYaml;
import io.palimpsest.worker.recipe.template.PromptRenderer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a preview shows of each validator: the verdict {@link Validators#validate} gave, with every measured value. */
class ValidatorsExplainTest {
    private static final String SOURCE = "one two three four five six seven eight nine ten";

    private static Validators validators(String... specs) {
        return Validators.of(
                Arrays.stream(specs)
                        .map(s -> RecipeYaml.parse(s, ValidatorSpec.class))
                        .toList(),
                Optional.empty(),
                new PromptRenderer(),
                "test");
    }

    private static List<CheckVerdict> explain(Validators v, String output, Integer tokens, Integer max) {
        ValidationSubject s = new ValidationSubject(SOURCE, output, "stop", tokens, max, Map.of());
        Verdict verdict = v.validate(s).toCompletableFuture().join();
        return v.explain(s, verdict);
    }

    @Test
    void passingChecksShowWhatTheyMeasuredAndTheirBounds() {
        Validators v =
                validators("{type: lengthRatio, min: 0.5, max: 2}", "{type: echo, threshold: 0.8}", "{type: refusal}");
        List<CheckVerdict> all = explain(v, "ten nine eight seven six five four three two one eleven", 12, 100);
        assertEquals(
                List.of("truncation", "lengthRatio", "echo", "refusal"),
                all.stream().map(CheckVerdict::check).toList());
        all.forEach(c -> assertEquals(CheckVerdict.PASS, c.status(), c.toString()));
        assertEquals(new CheckVerdict("truncation", "pass", 12.0, null, 99.0, null), all.get(0));
        assertEquals(new CheckVerdict("lengthRatio", "pass", 1.1, 0.5, 2.0, null), all.get(1));
        assertEquals(0.0, all.get(2).measured(), 1e-9);
        assertEquals(0.8, all.get(2).max());
        assertNull(all.get(3).measured(), "refusal measures no number");
    }

    /** Facts, language and refusal pass with what they found: the share held and both shares, the languages, no phrase. */
    @Test
    void checksThatMeasureMoreThanOneNumberSayWhatTheyFoundWhenTheyPass() {
        Validators v = validators("{type: facts, minRecall: 0.5}", "{type: language}", "{type: refusal}");
        String source = "The mill on the river was built in 1850 by Thomas Hartley. It ground wheat for the"
                + " town of Ashford until 1921, when it closed.";
        String output = "Thomas Hartley built the mill on the river in 1850. It ground the wheat of Ashford"
                + " until it closed in 1921.";
        ValidationSubject s = new ValidationSubject(source, output, "stop", 30, 100, Map.of());
        List<CheckVerdict> all =
                v.explain(s, v.validate(s).toCompletableFuture().join());
        assertEquals(
                List.of("truncation", "facts", "language", "refusal"),
                all.stream().map(CheckVerdict::check).toList());
        all.forEach(c -> assertEquals(CheckVerdict.PASS, c.status(), c.toString()));
        CheckVerdict facts = all.get(1);
        assertEquals(1.0, facts.measured(), 1e-9, "every statement kept");
        assertEquals(0.5, facts.min());
        assertEquals(
                "recall 1.00 (at least 0.50: 2 of 2 statements kept), precision 1.00 (at least 1.00)", facts.detail());
        assertEquals("output en, expected en (the source's)", all.get(2).detail());
        assertEquals(
                "no refusal phrase or assistant lead-in in the first 107 characters",
                all.get(3).detail());
    }

    @Test
    void theFirstFailureIsTheVerdictAndLaterChecksDidNotRun() {
        Validators v = validators("{type: lengthRatio, min: 0.5, max: 2}", "{type: echo, threshold: 0.8}");
        List<CheckVerdict> all = explain(v, "one two", 2, 100);
        assertEquals(CheckVerdict.PASS, all.get(0).status());
        assertEquals("lengthRatio", all.get(1).check());
        assertEquals(CheckVerdict.FAIL, all.get(1).status());
        assertEquals(0.2, all.get(1).measured(), 1e-9);
        assertEquals(CheckVerdict.NOT_RUN, all.get(2).status());
        assertEquals(
                List.of(new CheckVerdict(
                        ItemReason.EMPTY_OUTPUT.code(),
                        CheckVerdict.FAIL,
                        null,
                        null,
                        null,
                        "no text after post-processing")),
                explain(v, "  ", 0, 100),
                "an empty output fails alone");
    }
}
