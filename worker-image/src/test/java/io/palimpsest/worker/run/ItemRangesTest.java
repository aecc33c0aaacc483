package io.palimpsest.worker.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.storage.FileStorage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ItemRangesTest {

    private static ItemRanges of(long... items) {
        ItemRanges set = new ItemRanges();
        for (long item : items) {
            set.add(item);
        }
        return set;
    }

    @Test
    void itemsAddedInAnyOrderMergeIntoRanges() {
        record Case(long[] items, String ranges, long size) {}
        List<Case> cases = List.of(
                new Case(new long[] {}, "{}", 0),
                new Case(new long[] {3}, "{[3, 4)}", 1),
                new Case(new long[] {2, 0, 1}, "{[0, 3)}", 3),
                new Case(new long[] {5, 1, 3, 2, 4}, "{[1, 6)}", 5),
                new Case(new long[] {0, 2, 4}, "{[0, 1), [2, 3), [4, 5)}", 3),
                new Case(new long[] {0, 2, 4, 3}, "{[0, 1), [2, 5)}", 4),
                new Case(new long[] {1, 1, 1}, "{[1, 2)}", 1));
        for (Case c : cases) {
            ItemRanges set = of(c.items());
            assertEquals(c.ranges(), set.toString(), Arrays.toString(c.items()));
            assertEquals(c.size(), set.size(), Arrays.toString(c.items()));
        }
    }

    @Test
    void rangesMergeAcrossGapsTheyFill() {
        ItemRanges set = ItemRanges.of(new long[][] {{0, 10}, {20, 30}, {40, 50}});
        set.addRange(5, 45);
        assertEquals("{[0, 50)}", set.toString());
        assertEquals(50, set.size());
        assertTrue(set.isExactly(50));
        assertFalse(set.isExactly(51));
    }

    @Test
    void overlapContainmentAndGaps() {
        ItemRanges done = ItemRanges.of(new long[][] {{0, 10}, {20, 30}});
        Map<ItemRanges, Boolean> overlaps = Map.of(
                of(10, 11, 19),
                false,
                of(9),
                true,
                of(25),
                true,
                of(31, 100),
                false,
                ItemRanges.of(new long[][] {{5, 25}}),
                true,
                new ItemRanges(),
                false);
        overlaps.forEach((part, expected) -> {
            assertEquals(expected, part.overlaps(done), part + " against " + done);
            assertEquals(expected, done.overlaps(part), done + " against " + part);
        });
        assertTrue(done.contains(0));
        assertFalse(done.contains(10));
        assertEquals(List.of("[10, 20)", "[30, 35)"), done.gapsBelow(35, 5));
    }

    @Test
    void aMarkerOverlappingAnEarlierOneIsNotCounted() {
        ItemRanges done = new ItemRanges();
        PartMarker first = new PartMarker(0, of(0, 1, 2, 5), null, "a", Map.of(), new ItemCounts());
        PartMarker twin = new PartMarker(1, of(2, 3), null, "b", Map.of(), new ItemCounts());
        PartMarker disjoint = new PartMarker(2, of(3, 4), 6L, "b", Map.of(), new ItemCounts());
        assertTrue(CheckpointStore.accept(done, first));
        assertFalse(CheckpointStore.accept(done, twin), "item 2 is already in part 0");
        assertEquals("{[0, 3), [5, 6)}", done.toString(), "nothing of the refused part is added");
        assertTrue(CheckpointStore.accept(done, disjoint));
        assertTrue(done.isExactly(6));
    }

    @Test
    void aMarkerOfTheEarlierInOrderFormatIsRead(@TempDir Path dir) throws Exception {
        ObjectMapper json = new ObjectMapper();
        FileStorage storage = new FileStorage(dir);
        ShardLayout layout = new ShardLayout(3, Compression.NONE);
        storage.put(
                layout.markerKey(0),
                ("{\"part\":0,\"start\":0,\"end\":50,\"last\":false,\"writer\":\"old\","
                                + "\"streams\":{\"v\":{\"key\":\"k0\",\"records\":50,\"bytes\":9,\"sha256\":\"x\"}},"
                                + "\"counts\":{\"read\":50,\"written\":50}}")
                        .getBytes());
        storage.put(
                layout.markerKey(1),
                ("{\"part\":1,\"start\":50,\"end\":70,\"last\":true,\"writer\":\"old\","
                                + "\"streams\":{},\"counts\":{\"read\":20,\"written\":20}}")
                        .getBytes());
        CheckpointStore.State state = new CheckpointStore(storage, layout, json).read();
        assertEquals(2, state.parts().size());
        assertEquals(70L, state.total());
        assertTrue(
                state.complete(),
                "the parts of the earlier format are read (an attempt that knows its recipe and model discards them: they do not say how they were made)");
        assertEquals(50, state.parts().get(0).streams().get("v").records());
    }

    @Test
    void serialisedAsPairs() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ItemRanges set = of(0, 1, 2, 7);
        String text = json.writeValueAsString(set);
        assertEquals("[[0,3],[7,8]]", text);
        assertEquals(set, json.readValue(text, ItemRanges.class));
        assertThrows(Exception.class, () -> json.readValue("[[5,2]]", ItemRanges.class));
    }
}
