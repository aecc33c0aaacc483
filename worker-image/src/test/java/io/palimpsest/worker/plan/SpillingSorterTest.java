package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SpillingSorterTest {

    @Test
    void spilledRunsMergeToTheSameOrderAsAnInMemorySort() throws IOException {
        Random random = new Random(7);
        List<SpillingSorter.Entry> expected = new ArrayList<>();
        // a budget of a few KB: hundreds of runs, so the merge takes more than one round (FAN_IN)
        try (SpillingSorter sorter = new SpillingSorter(4 * 1024)) {
            for (int i = 0; i < 20_000; i++) {
                byte[] key = ("id-" + random.nextInt(5_000) + (random.nextBoolean() ? "é" : ""))
                        .getBytes(StandardCharsets.UTF_8);
                int value = random.nextInt(50);
                sorter.add(key, value);
                expected.add(new SpillingSorter.Entry(key, value));
            }
            assertTrue(sorter.spilledRuns() > SpillingSorter.FAN_IN, "runs: " + sorter.spilledRuns());
            expected.sort(SpillingSorter.ORDER);
            List<SpillingSorter.Entry> actual = new ArrayList<>();
            try (SpillingSorter.Cursor cursor = sorter.sorted()) {
                SpillingSorter.Entry entry;
                while ((entry = cursor.next()) != null) {
                    actual.add(entry);
                }
            }
            assertEquals(expected.size(), actual.size());
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(0, SpillingSorter.ORDER.compare(expected.get(i), actual.get(i)), "record " + i);
            }
        }
    }

    @Test
    void keysAreComparedByteForByteWithNoFolding() throws IOException {
        try (SpillingSorter sorter = new SpillingSorter(1 << 20)) {
            for (String key : new String[] {"b", "a\u0000", "A", "a", "\u00e9", "e\u0301"}) {
                sorter.add(key.getBytes(StandardCharsets.UTF_8), 0);
            }
            List<String> order = new ArrayList<>();
            try (SpillingSorter.Cursor cursor = sorter.sorted()) {
                SpillingSorter.Entry entry;
                while ((entry = cursor.next()) != null) {
                    order.add(new String(entry.key(), StandardCharsets.UTF_8));
                }
            }
            assertEquals(
                    List.of("A", "a", "a\u0000", "b", "e\u0301", "\u00e9"), order, "six distinct keys, none merged");
        }
    }
}
