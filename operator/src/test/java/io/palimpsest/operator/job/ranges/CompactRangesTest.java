package io.palimpsest.operator.job.ranges;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CompactRangesTest {

    @Test
    void shortSetsStayReadable() {
        assertEquals("", CompactRanges.encode(RangeSet.empty()));
        assertEquals("0-99,105", CompactRanges.encode(RangeSet.parse("0-99,105")));
        assertEquals(RangeSet.parse("0-99,105"), CompactRanges.decode("0-99,105"));
        assertEquals(RangeSet.empty(), CompactRanges.decode(null));
    }

    @Test
    void fragmentedSetsRoundTripCompactly() {
        Random random = new Random(11);
        for (double holes : new double[] {0.01, 0.05, 0.5, 0.95}) {
            BitSet bits = RangeSetTest.randomBits(random, 100_000, 1 - holes);
            RangeSet set = RangeSetTest.fromBits(bits);
            String encoded = CompactRanges.encode(set);
            assertTrue(
                    encoded.startsWith(CompactRanges.PREFIX) || encoded.startsWith(CompactRanges.BITMAP_PREFIX),
                    encoded.substring(0, 20));
            assertEquals(set, CompactRanges.decode(encoded));
            assertTrue(encoded.length() < 17_500, "holes " + holes + ": " + encoded.length() + " chars");
        }
    }

    @Test
    void fivePercentHolesInAHundredThousandFitInSixteenKiB() {
        RangeSet set = RangeSetTest.fromBits(RangeSetTest.randomBits(new Random(3), 100_000, 0.95));
        String encoded = CompactRanges.encode(set);
        assertTrue(encoded.length() < 16 * 1024, encoded.length() + " chars");
        assertTrue(
                set.format().length() > 40_000,
                "the plain form would be " + set.format().length());
    }

    @Test
    void largeIndexesAndGapsSurvive() {
        RangeSet.Builder b = new RangeSet.Builder();
        for (int i = 0; i < 200; i++) {
            b.addRange(i * 10_000_000, i * 10_000_000 + i);
        }
        RangeSet set = b.build();
        assertEquals(set, CompactRanges.decode(CompactRanges.encode(set)));
    }

    @Test
    void corruptInputIsRejected() {
        String encoded = CompactRanges.encode(RangeSetTest.fromBits(RangeSetTest.randomBits(new Random(1), 5000, 0.5)));
        assertFalse(encoded.isEmpty());
        assertThrows(
                IllegalArgumentException.class, () -> CompactRanges.decode(encoded.substring(0, encoded.length() / 2)));
    }
}
