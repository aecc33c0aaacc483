package io.palimpsest.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.BitSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IndexRangesTest {

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "0|0",
                "0,1|0,1",
                "0,1,2,5,7,8,9|0-2,5,7-9",
                "3,5|3,5",
                "3,4,6,7,8|3,4,6-8",
                "10,11,12,13|10-13",
            })
    void formatsRunsAsTheJobApiDoes(String indexes, String expected) {
        BitSet set = new BitSet();
        for (String i : indexes.split(",")) {
            set.set(Integer.parseInt(i));
        }
        assertEquals(expected, IndexRanges.format(set));
        assertEquals(set, IndexRanges.parse(expected));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {"'' ", "' '"})
    void emptyIsOmitted(String text) {
        assertNull(IndexRanges.format(IndexRanges.parse(text)));
    }
}
