package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.run.ShardInput;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.InputRoot;
import io.palimpsest.worker.storage.KeyFilter;
import io.palimpsest.worker.storage.StoredObject;
import io.palimpsest.worker.testing.Corpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardPlannerTest {

    private static final List<StoredObject> FILES = List.of(
            new StoredObject("c.jsonl", 60),
            new StoredObject("a.jsonl", 50),
            new StoredObject("b.jsonl", 40),
            new StoredObject("d.jsonl", 300),
            new StoredObject("e.jsonl", 10));

    @TempDir
    Path dir;

    @Test
    void filesPerShardTakesFilesInKeyOrderAndNumbersTheLargestFirst() {
        List<Shard> shards = new ShardPlanner(new ShardingPolicy(2, null)).plan(FILES);
        assertEquals(
                List.of(List.of("c.jsonl", "d.jsonl"), List.of("a.jsonl", "b.jsonl"), List.of("e.jsonl")),
                shards.stream().map(ShardPlannerTest::keys).toList());
        assertEquals(List.of(0, 1, 2), shards.stream().map(Shard::index).toList());
    }

    @Test
    void targetBytesPacksFilesAndKeepsABigFileWhole() {
        List<Shard> shards = new ShardPlanner(new ShardingPolicy(null, 100L)).plan(FILES);
        assertEquals(
                List.of(List.of("d.jsonl"), List.of("a.jsonl", "b.jsonl"), List.of("c.jsonl"), List.of("e.jsonl")),
                shards.stream().map(ShardPlannerTest::keys).toList());
        assertEquals(List.of(0, 1, 2, 3), shards.stream().map(Shard::index).toList());
    }

    @Test
    void shardsOfEqualSizeKeepKeyOrder() {
        List<StoredObject> same = List.of(
                new StoredObject("b.jsonl", 10),
                new StoredObject("a.jsonl", 10),
                new StoredObject("c.jsonl", 20),
                new StoredObject("d.jsonl", 10));
        assertEquals(
                List.of(List.of("c.jsonl"), List.of("a.jsonl"), List.of("b.jsonl"), List.of("d.jsonl")),
                new ShardPlanner(new ShardingPolicy(1, null))
                        .plan(same).stream().map(ShardPlannerTest::keys).toList());
    }

    @Test
    void bothPoliciesAtOnceAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ShardingPolicy(1, 100L));
    }

    @Test
    void planningIsDeterministicAndTheFirstManifestStays() throws IOException {
        Files.createDirectories(dir.resolve("in/sub"));
        Files.writeString(dir.resolve("in/b.jsonl"), "{}\n");
        Files.writeString(dir.resolve("in/sub/a.jsonl"), "{}\n{}\n");
        Files.writeString(dir.resolve("in/notes.txt"), "not input");
        ObjectMapper json = new ObjectMapper();
        JobPlanner planner = new JobPlanner(new ShardPlanner(new ShardingPolicy(1, null)), new ShardManifest(json));
        FileStorage output = new FileStorage(dir.resolve("out"));
        InputRoot input = new InputRoot(new FileStorage(dir.resolve("in")), Optional.empty());
        KeyFilter filter = new KeyFilter(List.of("*.jsonl"), List.of());

        JobPlanner.Result first = planner.plan(input, filter, output);
        assertTrue(first.written());
        assertEquals(2, first.shardCount());
        byte[] manifest = output.readAll(ShardManifest.KEY);
        JobPlanner.Result second = planner.plan(input, filter, output);
        assertFalse(second.written());
        assertFalse(second.existingDiffers());
        assertArrayEquals(manifest, output.readAll(ShardManifest.KEY));

        // nothing committed yet: a plan that no longer matches the input is replaced
        Files.writeString(dir.resolve("in/c.jsonl"), "{}\n");
        JobPlanner.Result replanned = planner.plan(input, filter, output);
        assertTrue(replanned.existingDiffers());
        assertTrue(replanned.replanned());
        assertEquals("1 new file(s) not in the plan (c.jsonl)", replanned.difference());
        assertEquals(3, replanned.shardCount());
        assertEquals(3, new ShardManifest(json).read(output).size());

        // once a shard is committed, the manifest in force keeps its shards and the difference is reported
        output.put("_palimpsest/receipts/shard-00000.json", "{}".getBytes());
        Files.delete(dir.resolve("in/b.jsonl"));
        Files.writeString(dir.resolve("in/d.jsonl"), "{}\n");
        JobPlanner.Result kept = planner.plan(input, filter, output);
        assertTrue(kept.existingDiffers());
        assertFalse(kept.replanned());
        assertEquals(3, kept.shardCount(), "the manifest in force keeps its shards");
        assertEquals(
                "1 planned file(s) no longer listed (b.jsonl); 1 new file(s) not in the plan (d.jsonl)",
                kept.difference());
        assertEquals(
                "sub/a.jsonl",
                new ShardManifest(json).readShard(output, 0).files().get(0).key(),
                "the larger file first");

        // a planned file that grew (a document appended) is named: the committed shard will not read it again
        Files.writeString(dir.resolve("in/sub/a.jsonl"), "{}\n{}\n{}\n");
        assertEquals(
                "1 planned file(s) no longer listed (b.jsonl); 1 new file(s) not in the plan (d.jsonl); 1 planned"
                        + " file(s) changed since the plan (sub/a.jsonl: 6 -> 9 bytes)",
                planner.plan(input, filter, output).difference());
    }

    @Test
    void inputThatCannotMakeAPlanIsRefusedAndNothingIsWritten() throws IOException {
        ObjectMapper json = new ObjectMapper();
        JobPlanner planner = new JobPlanner(new ShardPlanner(new ShardingPolicy(1, null)), new ShardManifest(json));
        FileStorage output = new FileStorage(dir.resolve("out"));
        KeyFilter jsonl = new KeyFilter(List.of("*.jsonl"), List.of());

        InputRoot missing = new InputRoot(new FileStorage(dir.resolve("nowhere")), Optional.empty());
        var e = assertThrows(InvalidJobException.class, () -> planner.plan(missing, jsonl, output));
        assertTrue(e.getMessage().contains("nowhere") && e.getMessage().contains("does not exist"), e.getMessage());

        Files.createDirectories(dir.resolve("in"));
        Files.writeString(dir.resolve("in/notes.txt"), "not input");
        InputRoot in = new InputRoot(new FileStorage(dir.resolve("in")), Optional.empty());
        e = assertThrows(InvalidJobException.class, () -> planner.plan(in, jsonl, output));
        assertTrue(
                e.getMessage().contains("matches include [*.jsonl]")
                        && e.getMessage().contains("1 file(s) there, e.g. notes.txt"),
                e.getMessage());

        Files.writeString(dir.resolve("in/empty.jsonl"), "");
        e = assertThrows(InvalidJobException.class, () -> planner.plan(in, jsonl, output));
        assertTrue(e.getMessage().startsWith("the plan has no shards: the 1 matching file(s) under"), e.getMessage());
        assertTrue(e.getMessage().endsWith("are empty"), e.getMessage());
        assertFalse(output.exists(ShardManifest.KEY), "nothing planned");
    }

    @Test
    void aLimitKeepsWholeFilesCutsOneAndDropsTheRest() throws IOException {
        List<Shard> shards = new ShardPlanner(new ShardingPolicy(2, null)).group(FILES);
        Map<String, Long> items =
                Map.of("a.jsonl", 10L, "b.jsonl", 10L, "c.jsonl", 10L, "d.jsonl", 10L, "e.jsonl", 10L);
        List<Shard> limited = JobPlanner.applyLimit(shards, 25, (key, atMost) -> Math.min(items.get(key), atMost));
        assertEquals(2, limited.size());
        assertEquals(
                List.of(new ShardFile("a.jsonl", 50), new ShardFile("b.jsonl", 40)),
                limited.get(0).files());
        assertEquals(List.of(new ShardFile("c.jsonl", 60, 5L)), limited.get(1).files());
    }

    @Test
    void aLimitedFileIsReadOnlyThatFar() throws IOException {
        Corpus.writeJsonl(dir.resolve("in/a.jsonl"), "a", 10);
        var readers = new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), FieldMapping.DEFAULT), 1 << 20);
        Shard shard = new Shard(0, List.of(new ShardFile("a.jsonl", Files.size(dir.resolve("in/a.jsonl")), 3L)));
        int read = 0;
        try (var input = new ShardInput(new FileStorage(dir.resolve("in")), shard, readers)) {
            while (input.next() != null) {
                read++;
            }
        }
        assertEquals(3, read);
    }

    private static List<String> keys(Shard shard) {
        return shard.files().stream().map(ShardFile::key).toList();
    }

    /** A kept plan read with another input.limit names the files read to another count, and the field. */
    @Test
    void aPlanKeptUnderAnotherLimitNamesTheDocumentsAndTheField() {
        List<Shard> kept = List.of(new Shard(0, List.of(new ShardFile("a.jsonl.gz", 3_816_685, 500L))));
        List<Shard> listed = List.of(new Shard(0, List.of(new ShardFile("a.jsonl.gz", 3_816_685, 1000L))));
        assertEquals(
                "1 planned file(s) read to another number of documents (a.jsonl.gz: 500 -> 1000 documents; spec.input.limit"
                        + " differs from the plan's)",
                JobPlanner.difference(kept, listed));
        List<Shard> whole = List.of(new Shard(0, List.of(new ShardFile("a.jsonl.gz", 3_816_685))));
        assertEquals(
                "1 planned file(s) read to another number of documents (a.jsonl.gz: 500 -> all documents; spec.input.limit"
                        + " differs from the plan's)",
                JobPlanner.difference(kept, whole));
    }

    @Test
    void aFileRewrittenToTheSameSizeIsSaidByItsVersion() {
        List<Shard> kept = List.of(new Shard(0, List.of(new ShardFile("a.jsonl", 10, null, null, "ETag \"x\""))));
        List<Shard> listed = List.of(new Shard(0, List.of(new ShardFile("a.jsonl", 10, null, null, "ETag \"y\""))));

        assertEquals(
                "1 planned file(s) of the same size rewritten or touched since the plan (another version: a.jsonl)",
                JobPlanner.difference(kept, listed));
    }
}
