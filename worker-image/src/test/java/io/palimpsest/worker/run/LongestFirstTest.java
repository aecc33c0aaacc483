package io.palimpsest.worker.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.SourcePosition;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LongestFirstTest {

    private static Document doc(String id, int length) {
        return new Document(id, "x".repeat(length), null, new SourcePosition("f.jsonl", 1));
    }

    private static List<Long> drain(LongestFirst order) {
        List<Long> out = new ArrayList<>();
        LongestFirst.Waiting next;
        while ((next = order.next()) != null) {
            out.add(next.ordinal());
        }
        return out;
    }

    @Test
    void theLongestGoesFirstAndEqualLengthsKeepFileOrder() {
        LongestFirst order = new LongestFirst();
        int[] lengths = {30, 200, 30, 90, 200, 5};
        for (int i = 0; i < lengths.length; i++) {
            order.add(i, doc("d" + i, lengths[i]));
        }
        assertFalse(order.full());
        assertEquals(List.of(1L, 4L, 3L, 0L, 2L, 5L), drain(order));
        assertTrue(order.isEmpty());
        assertNull(order.next());
    }

    @Test
    void theBufferIsBoundedByItemsAndByText() {
        LongestFirst byItems = new LongestFirst(3, 1_000_000);
        byItems.add(0, doc("a", 1));
        byItems.add(1, doc("b", 1));
        assertFalse(byItems.full());
        byItems.add(2, doc("c", 1));
        assertTrue(byItems.full(), "three items fill a buffer of three");

        LongestFirst byText = new LongestFirst(100, 50);
        byText.add(0, doc("a", 30));
        assertFalse(byText.full());
        byText.add(1, doc("b", 30));
        assertTrue(byText.full(), "60 chars fill a buffer of 50");
        assertEquals(0L, byText.next().ordinal());
        assertFalse(byText.full(), "taking one frees its text");
    }

    @Test
    void aStreamLongerThanTheBufferIsReorderedOnlyWithinIt() {
        // what the shard runner does: read while there is room, take the longest when full, then drain
        LongestFirst order = new LongestFirst(4, Long.MAX_VALUE);
        int[] lengths = {10, 20, 30, 40, 50, 60, 1, 2, 3, 4};
        List<Long> sent = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            order.add(i, doc("d" + i, lengths[i]));
            while (order.full()) {
                sent.add(order.next().ordinal());
            }
        }
        sent.addAll(drain(order));
        assertEquals(List.of(3L, 4L, 5L, 2L, 1L, 0L, 9L, 8L, 7L, 6L), sent);
    }
}
