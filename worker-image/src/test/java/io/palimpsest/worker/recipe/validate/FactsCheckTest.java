package io.palimpsest.worker.recipe.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FactsCheckTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "The tower rises thirty-eight metres.                     | 38",
                "It is 38 m tall.                                          | 38",
                "About 180,000 people drink it.                            | 180000",
                "Around one hundred and eighty thousand people drink it.   | 180000",
                "Some four hundred loaves a day.                           | 400",
                "Humidity is kept at 50% all year.                         | 50",
                "It cut the harvest by almost half.                        | 50",
                "It was finished in 1871 after four summers.               | 1871 4",
                "It was founded by thirty-one families.                    | 31",
                "Nearly a third of the hives died.                         | 33",
                "Nearly one hive in three died.                            | 33",
                "Bakers feed it twice a day.                               | 2",
                "It was the third bridge on the river.                     | ",
            })
    void numbersAreReadAsValues(String text, String expected) {
        assertEquals(
                expected == null ? Set.of() : Set.of(expected.split(" ")),
                FactsCheck.extract(text).numbers());
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "for two weeks          | for a fortnight",
                "within two decades     | within twenty years",
                "a hundred years ago    | a century ago",
                "two dozen eggs         | 24 eggs",
                "a quarter less         | twenty-five per cent less",
                "a third of the hives   | one hive in three",
                "a pair of astronomers  | two astronomers",
            })
    void unitWordsAndFractionsStateTheSameQuantity(String a, String b) {
        var qa = FactExtractor.extract(a).quantities();
        var qb = FactExtractor.extract(b).quantities();
        assertEquals(1, qa.size(), a);
        assertEquals(1, qb.size(), b);
        assertTrue(qa.get(0).sameAs(qb.get(0)), a + " / " + b);
    }

    /** Numbers a rewrite works out from its source pass; the same numbers changed do not. */
    @ParameterizedTest(name = "{1}: {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "The ferry began in 1998 and was sold a year later.           | The ferry began in 1998 and was sold in 1999.                      | true",
                "The ferry began in 1998 and was sold a year later.           | The ferry began in 1998 and was sold in 2001.                      | false",
                "The stall sells four hundred pies on weekdays and twice that on fairs. | The stall sells about 400 pies on weekdays and about 800 on fairs. | true",
                "The stall sells four hundred pies on weekdays and twice that on fairs. | The stall sells about 400 pies on weekdays and about 700 on fairs. | false",
                "The tower stood from 1720 to 1808.                           | For almost nine decades, from 1720 to 1808, the tower stood.       | true",
                "The tower stood from 1720 to 1808.                           | For almost seven decades, from 1720 to 1808, the tower stood.      | false",
                "The fair lasts two weeks.                                    | The fair lasts a fortnight.                                        | true",
                "The fair lasts two weeks.                                    | The fair lasts three weeks.                                        | false",
                "The mill opened in 1871 with four looms.                     | The mill opened in 1875 with four looms.                           | false",
                "The bridge opened in 1794. The great flood of 1852 swept off its central parapet. | The bridge opened in 1794. The great flood of 1794 swept off its central parapet. | false",
            })
    void derivedNumbersPassChangedOnesDoNot(String source, String output, boolean passes) {
        FactsCheck check = new FactsCheck(FactsCheck.DEFAULT_MIN_RECALL, FactsCheck.DEFAULT_MIN_PRECISION);
        var verdict = check.check(ValidationSubject.offline(source, output));
        assertEquals(
                passes, verdict.isEmpty(), verdict.map(CheckFailure::detail).orElse("passed"));
    }

    @Test
    void aNameAddedPassesANameInThePlaceOfAnotherDoesNot() {
        String source = "The workshop in Tolvey makes violins by hand. Its cellos won a prize at the fair in Brennick.";
        FactsCheck check = new FactsCheck(FactsCheck.DEFAULT_MIN_RECALL, FactsCheck.DEFAULT_MIN_PRECISION);
        assertTrue(check.check(
                        ValidationSubject.offline(
                                source,
                                "The Hartley workshop in Tolvey makes violins by hand. Its cellos won a prize at the fair in Brennick."))
                .isEmpty());
        CheckFailure replaced = check.check(
                        ValidationSubject.offline(
                                source,
                                "The workshop in Hartley makes violins by hand. Its cellos won a prize at the fair in Brennick."))
                .orElseThrow();
        assertTrue(
                replaced.detail().contains("not backed: [hartley]")
                        && replaced.detail().contains("the source's [tolvey] not in the output"),
                replaced.detail());
        CheckFailure twoAdded = check.check(
                        ValidationSubject.offline(
                                source,
                                "The Hartley workshop in Tolvey makes violins by hand. Its cellos won a prize at the Ostrava fair in Brennick."))
                .orElseThrow();
        assertTrue(twoAdded.detail().contains("[hartley, ostrava]"), twoAdded.detail());
    }

    @Test
    void aDroppedStatementIsNotKeptByItsWordsInANeighbour() {
        String source = "Geese leave the marsh at sunrise in long lines. The hide on the north shore opens at dawn. "
                + "Wardens count the flocks every October.";
        String output = "At dawn the geese leave the marsh in long lines. Every October the wardens count the flocks.";
        FactsCheck.Comparison c = FactsCheck.compare(source, output);
        assertEquals(2, c.sentencesKept(), c.toString());
        assertEquals(List.of("\"The hide on the north shore opens at dawn.\""), c.droppedSentences());
        String faithful =
                "At sunrise the geese leave the marsh in long lines. A hide on the northern shore opens at dawn. "
                        + "Every October the wardens count the flocks.";
        assertEquals(1.0, FactsCheck.compare(source, faithful).recall());
        String merged =
                "At sunrise the geese leave the marsh in long lines, and a hide on the northern shore opens at dawn. "
                        + "Every October the wardens count the flocks.";
        assertEquals(1.0, FactsCheck.compare(source, merged).recall());
    }

    @Test
    void namesInsideSentencesAndBeforeAnotherNameNotOpeners() {
        var f = FactsCheck.extract("In March the Aldane family left Kerrow Point's light. Mount Teravel erupted.");
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

        CheckFailure changed = check.check(ValidationSubject.offline(source, faithful.replace("1871", "1881")))
                .orElseThrow();
        assertEquals("facts", changed.reason().code());
        assertTrue(changed.detail().contains("[1881]"), changed.detail());

        CheckFailure swapped = check.check(
                        ValidationSubject.offline(source, faithful.replace("Mull Feran", "Lake Mirre")))
                .orElseThrow();
        assertTrue(swapped.detail().contains("lake") && swapped.detail().contains("mirre"), swapped.detail());

        String dropped = "Twenty masons finished the Kerrow Point light in 1871. The original lamp burned whale oil.";
        CheckFailure lost =
                check.check(ValidationSubject.offline(source, dropped)).orElseThrow();
        assertTrue(lost.detail().startsWith("2 of the source's 3 statements"), lost.detail());
        assertTrue(lost.detail().contains("Its tower is built"), lost.detail());
    }
}
