package io.palimpsest.worker.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.recipe.PostStep;
import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.recipe.ValidatorSpec;
import io.palimpsest.worker.recipe.validate.CheckFailure;
import io.palimpsest.worker.recipe.validate.ValidationSubject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecipeGatesTest {
    private static final String SOURCE =
            "Every autumn a survey team marks the position of the ice front with painted stones, "
                    + "and the fastest loss was recorded in 2022, when the front moved back sixty-four metres in one year.";

    private static ValidatorSpec spec(ValidatorSpec.Type type) {
        ValidatorSpec s = new ValidatorSpec();
        s.setType(type);
        return s;
    }

    private static Recipe recipe(List<ValidatorSpec> validators, PromptVariant... variants) {
        Recipe r = new Recipe();
        r.setValidators(validators);
        r.setPrompts(List.of(variants));
        return r;
    }

    private static PromptVariant variant(String name, ValidatorSpec... own) {
        PromptVariant v = new PromptVariant();
        v.setName(name);
        v.setUser("x");
        v.setValidators(List.of(own));
        return v;
    }

    private static List<String> reasons(QualityGates gates, ValidationSubject s) {
        return gates.evaluate(s).stream().map(r -> r.reason().code()).toList();
    }

    @Test
    void everyFailingValidatorIsReportedNotJustTheFirst() {
        ValidatorSpec ratio = spec(ValidatorSpec.Type.lengthRatio);
        ratio.setMin(0.9);
        RecipeGates gates = RecipeGates.of(
                recipe(
                        List.of(spec(ValidatorSpec.Type.echo), ratio, spec(ValidatorSpec.Type.refusal)),
                        variant("wiki")),
                false,
                null);
        ValidationSubject copyCut =
                new ValidationSubject(SOURCE, SOURCE.substring(0, 80), "length", null, null, Map.of());

        assertEquals(List.of("truncation", "echo", "lengthRatio"), reasons(gates.forVariant(null), copyCut));
    }

    @Test
    void truncationIsAlwaysCheckedAndAnEmptyOutputHasOneReason() {
        RecipeGates gates =
                RecipeGates.of(recipe(List.of(spec(ValidatorSpec.Type.echo)), variant("wiki")), false, null);

        assertEquals(List.of("truncation", "echo"), gates.names());
        assertEquals(
                List.of("truncation"),
                reasons(
                        gates.forVariant(null),
                        new ValidationSubject(SOURCE, "A different text of its own.", "length", null, null, Map.of())));
        assertEquals(
                List.of("empty_output"),
                reasons(gates.forVariant(null), new ValidationSubject(SOURCE, "\n ", "length", null, null, Map.of())));
    }

    @Test
    void allValidatorsFillsInDefaultsWithoutOverridingTheRecipe() {
        ValidatorSpec lenient = spec(ValidatorSpec.Type.echo);
        lenient.setThreshold(1.01);
        RecipeGates gates = RecipeGates.of(recipe(List.of(lenient), variant("wiki")), true, null);

        assertEquals(
                List.of(
                        "truncation",
                        "echo",
                        "lengthRatio",
                        "repetition",
                        "refusal",
                        "language",
                        "preamble",
                        "reasoning"),
                gates.names());
        // The recipe's own echo threshold stands: a copy passes echo, and nothing else objects to it.
        assertEquals(List.of(), reasons(gates.forVariant(null), ValidationSubject.offline(SOURCE, SOURCE)));
        assertEquals(
                List.of("reasoning"),
                reasons(
                        gates.forVariant(null),
                        ValidationSubject.offline(
                                SOURCE, "<think>plan the rewrite</think>" + SOURCE.replace("survey", "mapping"))));
    }

    @Test
    void eachVariantHasItsOwnValidatorsAndAPairWithoutOneGetsTheChosenVariant() {
        ValidatorSpec tiny = spec(ValidatorSpec.Type.length);
        tiny.setMax(3.0);
        Recipe r = recipe(List.of(), variant("wiki", spec(ValidatorSpec.Type.echo)), variant("qa", tiny));
        ValidationSubject copy = ValidationSubject.offline(SOURCE, SOURCE);

        RecipeGates common = RecipeGates.of(r, false, null);
        assertEquals(List.of("echo"), reasons(common.forVariant("wiki"), copy));
        assertEquals(List.of("length"), reasons(common.forVariant("qa"), copy));
        assertEquals(
                List.of(), reasons(common.forVariant("unknown"), copy), "two variants: only recipe-level validators");
        assertEquals(List.of("length"), reasons(RecipeGates.of(r, false, "qa").forVariant(null), copy));
        assertThrows(IllegalArgumentException.class, () -> RecipeGates.of(r, false, "nope"));
    }

    @Test
    void cleaningStepsOfTheRecipeBecomeResidueChecks() {
        Recipe r = recipe(List.of(), variant("wiki"));
        PostStep preamble = new PostStep();
        preamble.setType(PostStep.Type.stripPreamble);
        PostStep sentinel = new PostStep();
        sentinel.setType(PostStep.Type.stripSentinel);
        sentinel.setSentinel("PASSAGE:");
        r.setPostProcess(List.of(preamble, sentinel));
        RecipeGates gates = RecipeGates.of(r, false, null);

        List<CheckFailure> got = gates.forVariant(null)
                .evaluate(ValidationSubject.offline(
                        SOURCE, "Certainly! Here is the rewritten passage:\n\nSurveyors mark the ice."));
        assertEquals(
                List.of("preamble"),
                got.stream().map(f -> f.reason().code()).toList(),
                "a processed output has lost its sentinel by design");
        assertTrue(
                got.get(0).detail().contains("Certainly! Here is the rewritten passage:"),
                got.get(0).detail());
        assertEquals(
                List.of(),
                gates.forVariant(null).evaluate(ValidationSubject.offline(SOURCE, "Surveyors mark the ice.")));
    }

    @Test
    void removedPartIsWhatLiesBetweenTheSharedEnds() {
        assertEquals("<think>x</think>", RecipeGates.removedPart("A <think>x</think> B", "A  B"));
        assertEquals("Sure:", RecipeGates.removedPart("Sure: text", "text"));
    }
}
