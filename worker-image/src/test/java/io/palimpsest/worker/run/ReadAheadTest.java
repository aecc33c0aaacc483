package io.palimpsest.worker.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.format.SourcePosition;
import io.palimpsest.worker.format.UnusableItem;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadAheadTest {

    private static final SourcePosition AT = new SourcePosition("a.jsonl", 1);

    private static Document ofChars(int chars) {
        return new Document("d", "x".repeat(chars), null, AT);
    }

    @Test
    void itemsTakeRoomInProportionToTheirText() throws InterruptedException {
        ReadAhead window = new ReadAhead(100, 10 * 1024);
        Document twoKib = ofChars(1024); // two bytes a character

        for (int i = 0; i < 5; i++) {
            assertTrue(window.acquire(twoKib, () -> false));
        }
        assertFalse(window.acquire(twoKib, () -> true), "ten KiB taken: no room for two more");
        window.release(twoKib);
        assertTrue(window.acquire(twoKib, () -> false));
    }

    @Test
    void anItemLargerThanTheWholeBudgetGoesAlone() throws InterruptedException {
        ReadAhead window = new ReadAhead(100, 4 * 1024);
        Document huge = ofChars(1 << 20);
        Document small = ofChars(10);

        assertTrue(window.acquire(huge, () -> false), "never waits for room it cannot have");
        assertFalse(window.acquire(small, () -> true), "nothing else while it is out");
        window.release(huge);
        assertTrue(window.acquire(small, () -> false));
        assertFalse(window.acquire(huge, () -> true), "and it waits for the window to empty");
        window.release(small);
        assertTrue(window.acquire(huge, () -> false));
    }

    @Test
    void theCountStillBoundsSmallItems() throws InterruptedException {
        ReadAhead window = new ReadAhead(3, 1L << 30);
        InputItem unusable = new UnusableItem(AT, "u", ItemReason.MALFORMED_JSON, "bad", List.of());

        assertTrue(window.acquire(ofChars(1), () -> false));
        assertTrue(window.acquire(unusable, () -> false));
        assertTrue(window.acquire(ofChars(1), () -> false));
        assertFalse(window.acquire(ofChars(1), () -> true));
        window.release(unusable);
        assertTrue(window.acquire(ofChars(1), () -> false));
    }

    /** Giving up holds nothing: a pass that ends while waiting leaves the window as it was. */
    @Test
    void givingUpWhileWaitingForBytesKeepsNoCountPermit() throws InterruptedException {
        ReadAhead window = new ReadAhead(2, 4 * 1024);
        Document full = ofChars(2 * 1024);
        assertTrue(window.acquire(full, () -> false));

        assertFalse(window.acquire(ofChars(10), () -> true), "no bytes left");
        window.release(full);

        assertTrue(window.acquire(ofChars(10), () -> true));
        assertTrue(window.acquire(ofChars(10), () -> true), "both count permits are there again");
    }

    @Test
    void aWindowHoldsOneItemAtLeast() {
        assertThrows(IllegalArgumentException.class, () -> new ReadAhead(0, 1024));
        assertThrows(IllegalArgumentException.class, () -> new ReadAhead(1, 0));
        assertEquals(1, new ReadAhead(1, 1).cost(ofChars(1 << 20)), "a budget under one KiB is one unit");
    }
}
