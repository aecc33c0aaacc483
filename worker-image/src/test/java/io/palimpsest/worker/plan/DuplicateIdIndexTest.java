package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.storage.FileStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DuplicateIdIndexTest {

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;

    private static List<Shard> shards(int count) {
        List<Shard> shards = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            shards.add(new Shard(i, List.of(new ShardFile("f" + i + ".jsonl", 100 - i))));
        }
        return shards;
    }

    /** A reader over fixed ids per shard; shards in {@code unreadable} stop with false after their ids. */
    private static DuplicateIdIndex.ShardIds reader(
            Map<Integer, List<String>> ids, Set<Integer> unreadable, AtomicInteger reads) {
        return (shard, sink) -> {
            reads.incrementAndGet();
            List<String> shardIds = ids.getOrDefault(shard.index(), List.of());
            for (int item = 0; item < shardIds.size(); item++) {
                sink.accept(item, shardIds.get(item));
            }
            return !unreadable.contains(shard.index());
        };
    }

    private static final Map<Integer, List<String>> IDS = Map.of(
            0, List.of("a", "b", "c", "Doc"),
            1, List.of("b", "d", "e", "doc", "b"),
            2, List.of("a", "d", "f", "c", "e\u0301"),
            3, List.of("g", "\u00e9", "g"));

    private static DuplicateIdIndex.Repeat repeat(long item, String id, int first) {
        return new DuplicateIdIndex.Repeat(item, id, first);
    }

    @Test
    void theFirstShardInPlanOrderWinsAndEveryLaterShardListsItsRepeats() throws IOException {
        // the same answer whether the ids fit in memory or spill to many sorted runs
        for (long memory : new long[] {64L << 20, 256}) {
            FileStorage output = new FileStorage(dir.resolve("out-" + memory));
            List<Shard> shards = shards(4);
            byte[] manifest = new ShardManifest(json).serialize(shards);
            DuplicateIdIndex index = new DuplicateIdIndex(json, memory);

            DuplicateIdIndex.Summary summary =
                    index.ensure(output, shards, manifest, reader(IDS, Set.of(), new AtomicInteger()));

            assertTrue(summary.built());
            assertEquals(17, summary.documents());
            assertEquals(5, summary.duplicates());
            assertEquals(1, summary.repeatsWithinShards());
            assertEquals(3, summary.shardsWithDuplicates());
            assertEquals(List.of(), index.listed(output, manifest, 0));
            assertEquals(
                    List.of(repeat(0, "b", 0), repeat(4, "b", 0)),
                    index.listed(output, manifest, 1),
                    "ids differing in case are different ids; every later occurrence is listed, in item order");
            assertEquals(
                    List.of(repeat(0, "a", 0), repeat(1, "d", 1), repeat(3, "c", 0)),
                    index.listed(output, manifest, 2));
            assertEquals(
                    List.of(repeat(2, "g", 3)),
                    index.listed(output, manifest, 3),
                    "a repeat within the shard is listed with the shard itself as the first; exact comparison: no"
                            + " Unicode normalisation");
            assertEquals(
                    List.of(
                                    DuplicateIdIndex.INDEX_KEY,
                                    DuplicateIdIndex.listKey(DuplicateIdIndex.sha256(manifest), 1),
                                    DuplicateIdIndex.listKey(DuplicateIdIndex.sha256(manifest), 2),
                                    DuplicateIdIndex.listKey(DuplicateIdIndex.sha256(manifest), 3))
                            .stream()
                            .sorted()
                            .toList(),
                    output.list("").stream().map(o -> o.key()).toList(),
                    "one list per shard that has repeats, and the index");
        }
    }

    @Test
    void aKeptPlanKeepsItsIndexAndIsNotReadAgain() throws IOException {
        FileStorage output = new FileStorage(dir.resolve("out"));
        List<Shard> shards = shards(4);
        byte[] manifest = new ShardManifest(json).serialize(shards);
        AtomicInteger reads = new AtomicInteger();
        DuplicateIdIndex index = new DuplicateIdIndex(json);
        index.ensure(output, shards, manifest, reader(IDS, Set.of(), reads));
        assertEquals(4, reads.get());

        DuplicateIdIndex.Summary again = index.ensure(output, shards, manifest, reader(IDS, Set.of(), reads));

        assertFalse(again.built());
        assertEquals(4, reads.get(), "no second pass over the input");
        assertEquals(5, again.duplicates());
        assertEquals(1, again.repeatsWithinShards());
    }

    @Test
    void aShardWhoseDataCannotBeReadWinsNoId() throws IOException {
        FileStorage output = new FileStorage(dir.resolve("out"));
        List<Shard> shards = shards(4);
        byte[] manifest = new ShardManifest(json).serialize(shards);
        DuplicateIdIndex index = new DuplicateIdIndex(json);

        DuplicateIdIndex.Summary summary =
                index.ensure(output, shards, manifest, reader(IDS, Set.of(0), new AtomicInteger()));

        assertEquals(List.of(0), summary.unreadableShards());
        assertEquals(
                List.of(repeat(4, "b", 1)),
                index.listed(output, manifest, 1),
                "shard 0 commits nothing, so its 'b' pushes out no other: shard 1's first 'b' wins");
        assertEquals(List.of(repeat(1, "d", 1)), index.listed(output, manifest, 2));
    }

    @Test
    void aWorkerRefusesAPlanWithoutItsIndex() throws IOException {
        FileStorage output = new FileStorage(dir.resolve("out"));
        List<Shard> shards = shards(4);
        byte[] manifest = new ShardManifest(json).serialize(shards);
        DuplicateIdIndex index = new DuplicateIdIndex(json);

        InvalidJobException missing = assertThrows(InvalidJobException.class, () -> index.listed(output, manifest, 1));
        assertTrue(
                missing.getMessage().contains("has no duplicate-id index (_palimpsest/duplicates/items-index.json)"),
                missing.getMessage());
        assertTrue(missing.getMessage().contains("run `palimpsest plan` on it again"), missing.getMessage());

        index.ensure(output, shards, manifest, reader(IDS, Set.of(), new AtomicInteger()));
        byte[] replanned = new ShardManifest(json).serialize(shards(3));
        InvalidJobException stale = assertThrows(InvalidJobException.class, () -> index.listed(output, replanned, 1));
        assertTrue(stale.getMessage().contains("made for another manifest"), stale.getMessage());

        DuplicateIdIndex.Summary rebuilt =
                index.ensure(output, shards(3), replanned, reader(IDS, Set.of(), new AtomicInteger()));
        assertTrue(rebuilt.built(), "planning again rebuilds the index for the manifest in force");
        assertEquals(
                List.of(repeat(0, "a", 0), repeat(1, "d", 1), repeat(3, "c", 0)), index.listed(output, replanned, 2));
    }
}
