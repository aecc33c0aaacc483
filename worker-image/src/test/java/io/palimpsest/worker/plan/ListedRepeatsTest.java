package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.format.RepeatedIds;
import io.palimpsest.worker.format.ShardDataException;
import io.palimpsest.worker.format.SourcePosition;
import io.palimpsest.worker.format.UnusableItem;
import io.palimpsest.worker.run.ShardInput;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
     * A plan of a version that read a Parquet DATE, TIME or TIMESTAMP id column as the number Parquet stores (days,
     * or units since midnight or since 1970), resumed by a worker that reads it as ISO-8601 text, lists its repeats'
     * ids in the earlier form: each is the same id in the other form (a TIMESTAMP in micros adjusted to UTC, one in
     * millis not adjusted, a DATE, a TIME in millis, which is adjusted to UTC, a TIME of the version that wrote it
     * without its Z), and the shard reads on, where it failed as an input changed since it was planned. A number that
     * is another moment in every unit is another document, and still fails so.
     */
    @Test
    void idsListedInTheFormAnEarlierVersionReadParquetDatesAndTimesInAreTheSameIds() throws IOException {
        Path list = dir.resolve("list.jsonl");
        Files.writeString(list, """
                {"item":1,"id":"1704164645123456","first":0,"firstItem":0}
                {"item":2,"id":"1704164645120","first":0}
                {"item":3,"id":"19782","first":0}
                {"item":4,"id":"11045120","first":0}
                {"item":5,"id":"03:04:05.120","first":0}
                {"item":6,"id":"1704164645124","first":0}
                """);
        try (ListedRepeats source = new ListedRepeats(0, list, new ObjectMapper());
                RepeatedIds repeats = source.open()) {
            assertNull(repeats.repeatOf(0, doc("2024-01-02T03:04:05.123456Z", "a.parquet", 1)));
            assertEquals(
                    "id '2024-01-02T03:04:05.123456Z' appeared earlier in this shard, at a.parquet:1 (the first copy,"
                            + " which is kept)",
                    repeats.repeatOf(1, doc("2024-01-02T03:04:05.123456Z", "a.parquet", 2)));
            assertEquals(
                    "id '2024-01-02T03:04:05.120' appeared earlier in this shard",
                    repeats.repeatOf(2, doc("2024-01-02T03:04:05.120", "a.parquet", 3)));
            assertEquals(
                    "id '2024-02-29' appeared earlier in this shard",
                    repeats.repeatOf(3, doc("2024-02-29", "a.parquet", 4)));
            assertEquals(
                    "id '03:04:05.120Z' appeared earlier in this shard",
                    repeats.repeatOf(4, doc("03:04:05.120Z", "a.parquet", 5)));
            assertEquals(
                    "id '03:04:05.120Z' appeared earlier in this shard",
                    repeats.repeatOf(5, doc("03:04:05.120Z", "a.parquet", 6)));
            ShardDataException changed = assertThrows(
                    ShardDataException.class,
                    () -> repeats.repeatOf(6, doc("2024-01-02T03:04:05.123Z", "a.parquet", 7)));
            assertTrue(
                    changed.getMessage()
                            .startsWith("item 6 of shard 0 is a document with id '2024-01-02T03:04:05.123Z', but when"
                                    + " the job was planned it was a document with id '1704164645124'"),
                    changed.getMessage());
        }
    }

    /**
     * A resumed attempt passes over its checkpointed items ({@link ShardInput#skip}) without decoding them where it can:
     * from whichever item it passes over, the items after are those a whole read hands out, with the same positions,
     * reasons and details, a repeat naming its first copy's line also when that copy was among the items passed over
     * (the list says which items it needs to see), and a listed repeat passed over is not looked for.
     */
    @Test
    void passingOverItemsLeavesTheItemsAfterThemAsAWholeReadGivesThem() throws IOException {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        Files.writeString(
                in.resolve("a.jsonl"),
                "{\"id\":\"x\",\"text\":\"one\"}\n"
                        + "  \n"
                        + "{\"id\":\"y\",\"text\":\"two\"}\r\n"
                        + "{\"id\":\"x\",\"text\":\"three\"}\n"
                        + "not json\n"
                        + "{\"id\":\"w\",\"text\":\"" + "five ".repeat(30) + "\"}\n"
                        + "{\"id\":\"w\",\"text\":\"six\"}\n"
                        + "{\"id\":\"y\",\"text\":\"seven\"}\n"
                        + "{\"id\":\"z\",\"text\":\"eight\"}");
        Files.writeString(in.resolve("b.jsonl"), "{\"id\":\"x\",\"text\":\"nine\"}\n{\"id\":\"v\",\"text\":\"ten\"}\n");
        Path list = dir.resolve("list.jsonl");
        Files.writeString(list, """
                {"item":3,"id":"x","first":4,"firstItem":0}
                {"item":6,"id":"w","first":1}
                {"item":7,"id":"y","first":4,"firstItem":2}
                {"item":9,"id":"x","first":4,"firstItem":0}
                """);
        FileStorage storage = new FileStorage(in);
        Shard shard = new Shard(
                4,
                List.of(
                        new ShardFile("a.jsonl", Files.size(in.resolve("a.jsonl"))),
                        new ShardFile("b.jsonl", Files.size(in.resolve("b.jsonl")))));
        // lines over 100 bytes are rejected line_too_long
        DocumentReaders readers =
                new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 100);
        try (ListedRepeats source = new ListedRepeats(4, list, new ObjectMapper())) {
            List<String> whole = itemsAfter(storage, shard, readers, source, 0);
            assertEquals(11, whole.size(), String.join("\n", whole));
            assertEquals(
                    "a.jsonl:8 duplicate_id y id 'y' appeared earlier in this shard, at a.jsonl:3 (the first copy,"
                            + " which is kept)",
                    whole.get(7));
            for (int passed = 1; passed <= whole.size() + 1; passed++) {
                assertEquals(
                        whole.subList(Math.min(passed, whole.size()), whole.size()),
                        itemsAfter(storage, shard, readers, source, passed),
                        "after " + passed);
            }
        }
    }

    /** The items a pass hands out after passing over {@code passed} of them (a pass opens the list anew). */
    private static List<String> itemsAfter(
            Storage storage, Shard shard, DocumentReaders readers, ListedRepeats source, long passed)
            throws IOException {
        List<String> items = new ArrayList<>();
        try (ShardInput input = new ShardInput(storage, shard, readers, source.open(), bytes -> {})) {
            assertEquals(Math.min(passed, 11), input.skip(passed));
            InputItem item;
            while ((item = input.next()) != null) {
                items.add(
                        item instanceof Document doc
                                ? doc.position() + " " + doc.id() + " " + doc.text()
                                : item.position() + " "
                                        + ((UnusableItem) item).reason().code() + " " + ((UnusableItem) item).id() + " "
                                        + ((UnusableItem) item).detail());
            }
        }
        return items;
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
