package io.palimpsest.worker.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShortListTest {

    @Test
    void allNamedIsTheListAlone() {
        assertEquals("a, b, c", ShortList.of(List.of("a", "b", "c"), 3, ", "));
        assertEquals("a", ShortList.of(List.of("a"), 1, ", "));
    }

    @Test
    void theRestIsOneMoreItemAfterTheSameSeparator() {
        assertEquals("a, b, c, and 2 more", ShortList.of(List.of("a", "b", "c"), 5, ", "));
        assertEquals("p, q; r; and 1 more", ShortList.of(List.of("p, q", "r"), 3, "; "));
    }
}
