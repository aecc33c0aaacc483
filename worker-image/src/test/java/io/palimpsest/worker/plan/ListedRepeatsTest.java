package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.RepeatedIds;
import io.palimpsest.worker.format.SourcePosition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListedRepeatsTest {

    @TempDir
    Path dir;

    /**
     * A repeat within the shard names its first copy's file and line, which the pass noted as it read that item;
     * a list of a version that did not record the first copy's item (a kept plan) still rejects the same documents,
     * saying only that the id appeared earlier; a repeat of an earlier shard names that shard.
     */
    @Test
    void aRepeatWithinTheShardNamesItsFirstCopyWhenTheListSaysWhichItemItIs() throws IOException {
        Path list = dir.resolve("list.jsonl");
        Files.writeString(list, """
                {"item":2,"id":"x","first":4,"firstItem":0}
                {"item":3,"id":"y","first":4,"firstItem":1}
                {"item":4,"id":"z","first":4}
                {"item":5,"id":"w","first":1,"firstItem":7}
                """);
        try (ListedRepeats source = new ListedRepeats(4, list, new ObjectMapper());
                RepeatedIds repeats = source.open()) {
            assertNull(repeats.repeatOf(0, doc("x", "a.jsonl", 1)));
            assertNull(repeats.repeatOf(1, doc("y", "b.jsonl", 7)));
            assertEquals(
                    "id 'x' appeared earlier in this shard, at a.jsonl:1 (the first copy, which is kept)",
                    repeats.repeatOf(2, doc("x", "b.jsonl", 8)));
            assertEquals(
                    "id 'y' appeared earlier in this shard, at b.jsonl:7 (the first copy, which is kept)",
                    repeats.repeatOf(3, doc("y", "b.jsonl", 9)));
            assertEquals("id 'z' appeared earlier in this shard", repeats.repeatOf(4, doc("z", "b.jsonl", 10)));
            assertEquals(
                    "id 'w' appeared first in shard 1 (the first occurrence in the plan wins)",
                    repeats.repeatOf(5, doc("w", "b.jsonl", 11)));
        }
    }

    /**
     * A repeat of an id first seen in another shard names that copy's file and line when the list says where it is
     * (the planner's pass read it there); the entries of a list that does not (a kept plan of an earlier version)
     * name only the shard, as they did.
     */
    @Test
    void aRepeatOfAnotherShardNamesTheFileAndLineOfTheFirstCopyWhenTheListSaysIt() throws IOException {
        Path list = dir.resolve("across.jsonl");
        Files.writeString(list, """
                {"item":0,"id":"w","first":1,"firstItem":7,"firstFile":"part-0.jsonl","firstLine":8}
                {"item":1,"id":"v","first":2,"firstItem":3}
                {"item":2,"id":"u","first":3,"firstItem":5,"firstFile":"data/p.parquet","firstLine":6}
                """);
        try (ListedRepeats source = new ListedRepeats(4, list, new ObjectMapper());
                RepeatedIds repeats = source.open()) {
            assertEquals(
                    "id 'w' appeared first in shard 1, at part-0.jsonl:8 (the first occurrence in the plan wins)",
                    repeats.repeatOf(0, doc("w", "b.jsonl", 1)));
            assertEquals(
                    "id 'v' appeared first in shard 2 (the first occurrence in the plan wins)",
                    repeats.repeatOf(1, doc("v", "b.jsonl", 2)));
            assertEquals(
                    "id 'u' appeared first in shard 3, at data/p.parquet:6 (the first occurrence in the plan wins)",
                    repeats.repeatOf(2, doc("u", "b.jsonl", 3)));
        }
    }

    private static Document doc(String id, String file, long line) {
        return new Document(id, "text", new ObjectMapper().createObjectNode(), new SourcePosition(file, line));
    }
}
