package io.palimpsest.operator.job.ranges;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RangeSetTest {

    @ParameterizedTest(name = "parse \"{0}\" -> \"{1}\"")
    @CsvSource(
            delimiter = '|',
            nullValues = "NULL",
            value = {
                "NULL              | ''",
                "''                | ''",
                "0                 | 0",
                "0-99,105,200-250  | 0-99,105,200-250",
                "3,4               | 3-4",
                "5,1,3             | 1,3,5",
                "0-5,3-9           | 0-9",
                "0-5,6-9           | 0-9",
                "7-7               | 7",
                "10-20,0-3,4       | 0-4,10-20",
            })
    void parsesAndNormalisesTheKubernetesForm(String text, String formatted) {
        assertEquals(formatted, RangeSet.parse(text).format());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {"a", "1-", "-1", "1,,2", "1,", "5-3", "1 ,2", "1,...", "99999999999"})
    void rejectsMalformedStrings(String text) {
        assertThrows(IllegalArgumentException.class, () -> RangeSet.parse(text));
    }

    @ParameterizedTest(name = "{0} ∪ {1} = {2}; {0} − {1} = {3}; {0} ∩ {1} = {4}")
    @CsvSource(
            delimiter = '|',
            value = {
                // a          | b          | a ∪ b           | a − b          | a ∩ b
                "''           | ''         | ''              | ''             | ''",
                "0-9          | ''         | 0-9             | 0-9            | ''",
                "''           | 0-9        | 0-9             | ''             | ''",
                "0-9          | 0-9        | 0-9             | ''             | 0-9",
                "0-9          | 3-5        | 0-9             | 0-2,6-9        | 3-5",
                "0-9          | 0          | 0-9             | 1-9            | 0",
                "0-9          | 9          | 0-9             | 0-8            | 9",
                "0-9          | 10-12      | 0-12            | 0-9            | ''",
                "0-9          | 11-12      | 0-9,11-12       | 0-9            | ''",
                "0-4,10-14    | 3-11       | 0-14            | 0-2,12-14      | 3-4,10-11",
                "0-100        | 1,3,5,50-60| 0-100           | 0,2,4,6-49,61-100 | 1,3,5,50-60",
                "5            | 0-3,7-9    | 0-3,5,7-9       | 5              | ''",
                "1,3,5,7      | 2,4,6      | 1-7             | 1,3,5,7        | ''",
            })
    void setArithmetic(String a, String b, String union, String minus, String intersect) {
        RangeSet x = RangeSet.parse(a);
        RangeSet y = RangeSet.parse(b);
        assertEquals(union, x.union(y).format());
        assertEquals(minus, x.minus(y).format());
        assertEquals(intersect, x.intersect(y).format());
    }

    @Test
    void containsAndCardinality() {
        RangeSet s = RangeSet.parse("0-99,105,200-250");
        assertEquals(100 + 1 + 51, s.cardinality());
        assertEquals(3, s.rangeCount());
        assertTrue(s.contains(0));
        assertTrue(s.contains(99));
        assertFalse(s.contains(100));
        assertTrue(s.contains(105));
        assertFalse(s.contains(199));
        assertTrue(s.contains(250));
        assertFalse(s.contains(251));
        assertEquals(0, s.first());
        assertEquals(250, s.last());
        assertEquals("0-99,105-106,200-250", s.with(106).format());
        assertEquals(s, s.with(50));
    }

    @Test
    void formatCutsAtARangeBoundaryAndMarksTheCut() {
        RangeSet s = RangeSet.parse("0-99,105,200-250,300,400");
        assertEquals("0-99,105,200-250,300,400", s.format(100));
        String cut = s.format(16);
        assertEquals("0-99,105,...", cut);
        assertTrue(cut.length() <= 16);
        assertThrows(IllegalArgumentException.class, () -> RangeSet.parse(cut));
        assertEquals("...", RangeSet.parse("1000-2000").format(6));
    }

    /** Property check against a BitSet over a heavily fragmented 100,000-index space. */
    @Test
    void agreesWithABitSetOnRandomFragmentedSets() {
        Random random = new Random(7);
        for (int round = 0; round < 20; round++) {
            BitSet a = randomBits(random, 100_000, 0.3 + random.nextDouble() * 0.6);
            BitSet b = randomBits(random, 100_000, random.nextDouble());
            RangeSet ra = fromBits(a);
            RangeSet rb = fromBits(b);
            assertEquals(a.cardinality(), ra.cardinality());
            assertEquals(ra, RangeSet.parse(ra.format()));
            BitSet union = (BitSet) a.clone();
            union.or(b);
            BitSet minus = (BitSet) a.clone();
            minus.andNot(b);
            BitSet and = (BitSet) a.clone();
            and.and(b);
            assertEquals(fromBits(union), ra.union(rb));
            assertEquals(fromBits(minus), ra.minus(rb));
            assertEquals(fromBits(and), ra.intersect(rb));
            for (int probe = 0; probe < 1000; probe++) {
                int i = random.nextInt(100_001);
                assertEquals(a.get(i), ra.contains(i));
            }
        }
    }

    @Test
    void unorderedAddsAreNormalised() {
        RangeSet.Builder b = new RangeSet.Builder();
        b.add(9).add(3).addRange(4, 6).add(0).add(8);
        assertEquals("0,3-6,8-9", b.build().format());
    }

    static BitSet randomBits(Random random, int size, double density) {
        BitSet bits = new BitSet(size);
        for (int i = 0; i < size; i++) {
            if (random.nextDouble() < density) {
                bits.set(i);
            }
        }
        return bits;
    }

    static RangeSet fromBits(BitSet bits) {
        RangeSet.Builder b = new RangeSet.Builder();
        bits.stream().forEach(b::add);
        return b.build();
    }
}
