package io.palimpsest.worker.recipe.validate;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FactsCheckTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "The tower rises thirty-eight metres.                     | 38",
            "It is 38 m tall.                                          | 38",
            "About 180,000 people drink it.                            | 180000",
            "Around one hundred and eighty thousand people drink it.   | 180000",
            "Some four hundred loaves a day.                           | 400",
            "Humidity is kept at 50% all year.                         | 50",
            "It cut the harvest by almost half.                        | 50",
            "It was finished in 1871 after four summers.               | 1871 4",
    })
    void numbersAreReadAsValues(String text, String expected) {
        assertEquals(Set.of(expected.split(" ")), FactsCheck.extract(text).numbers());
    }

    @Test
    void namesInsideSentencesAndBeforeAnotherNameNotOpeners() {
        FactsCheck.Facts f = FactsCheck.extract("In March the Aldane family left Kerrow Point's light. Mount Teravel erupted.");
        assertEquals(Set.of("march", "aldane", "kerrow", "point", "mount", "teravel"), f.names());
    }

    @Test
    void aFaithfulRephrasingPassesAndEachDefectIsCaught() {
        String source = "The lighthouse on Kerrow Point was completed in 1871 by twenty masons. "
                + "Its tower is built from grey granite quarried on Mull Feran. Whale oil fed the first lamp.";
        String faithful = "Twenty masons finished the Kerrow Point light in 1871. "
                + "The granite of its grey tower came from quarries on Mull Feran. The original lamp burned whale oil.";
        FactsCheck check = new FactsCheck(FactsCheck.DEFAULT_MIN_RECALL, FactsCheck.DEFAULT_MIN_PRECISION);
        assertTrue(check.check(ValidationSubject.offline(source, faithful)).isEmpty());

        Rejection changed = check.check(ValidationSubject.offline(source, faithful.replace("1871", "1881"))).orElseThrow();
        assertEquals("facts", changed.reason());
        assertTrue(changed.detail().contains("[1881]"), changed.detail());

        Rejection swapped = check.check(ValidationSubject.offline(source, faithful.replace("Mull Feran", "Lake Mirre"))).orElseThrow();
        assertTrue(swapped.detail().contains("lake") && swapped.detail().contains("mirre"), swapped.detail());

        String dropped = "Twenty masons finished the Kerrow Point light in 1871. The original lamp burned whale oil.";
        Rejection lost = check.check(ValidationSubject.offline(source, dropped)).orElseThrow();
        assertTrue(lost.detail().startsWith("2 of the source's 3 statements"), lost.detail());
        assertTrue(lost.detail().contains("Its tower is built"), lost.detail());
    }
}
