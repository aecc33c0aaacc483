package io.palimpsest.worker.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.storage.FileStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The accounting a receipt must satisfy before it is created, and the commit that refuses one that does not. */
class ItemCountsTest {

    private static ItemCounts counts(
            long read,
            long written,
            long rejected,
            long skipped,
            Map<String, Long> reasons,
            Map<String, Long> skipReasons) {
        ItemCounts c = new ItemCounts();
        c.read = read;
        c.written = written;
        c.rejected = rejected;
        c.skipped = skipped;
        c.reasons.putAll(reasons);
        c.skipReasons.putAll(skipReasons);
        return c;
    }

    @Test
    void balancedWhenEveryItemAndEveryReasonIsAccountedFor() {
        record Case(ItemCounts counts, boolean balanced, String why) {}
        List<Case> cases = List.of(
                new Case(counts(0, 0, 0, 0, Map.of(), Map.of()), true, "nothing read"),
                new Case(
                        counts(5, 3, 1, 1, Map.of("malformed_json", 1L), Map.of("blank_line", 1L)),
                        true,
                        "all accounted"),
                new Case(counts(5, 3, 1, 0, Map.of("malformed_json", 1L), Map.of()), false, "an item is nowhere"),
                new Case(
                        counts(5, 3, 1, 1, Map.of(), Map.of("blank_line", 1L)),
                        false,
                        "a rejection without its reason"),
                new Case(
                        counts(5, 3, 1, 1, Map.of("malformed_json", 1L, "language", 1L), Map.of("blank_line", 1L)),
                        false,
                        "a reason counted for a document that was written"),
                new Case(
                        counts(5, 3, 1, 1, Map.of("malformed_json", 1L), Map.of()),
                        false,
                        "a skip without its reason"));
        for (Case c : cases) {
            assertEquals(c.balanced(), c.counts().balanced(), c.why() + ": " + c.counts());
        }
    }

    @TempDir
    Path dir;

    @Test
    void aShardWhoseReasonsDoNotAddUpIsNotCommitted() throws Exception {
        ObjectMapper json = new ObjectMapper();
        FileStorage out = new FileStorage(dir);
        ShardLayout layout = new ShardLayout(0, Compression.NONE);
        CheckpointStore checkpoints = new CheckpointStore(out, layout, json);
        Files.createDirectories(dir.resolve("_palimpsest/checkpoints/shard-00000"));
        Files.writeString(dir.resolve("_palimpsest/checkpoints/shard-00000/part-000000.w.v.jsonl"), "{\"id\":\"a\"}\n");
        ItemCounts wrong = counts(2, 1, 1, 0, Map.of(), Map.of());
        wrong.variants.put("v", 1L);
        checkpoints.createOrGetExisting(new PartMarker(
                0,
                ItemRanges.of(new long[][] {{0, 2}}),
                2L,
                "w",
                Map.of("v", new StreamFile("_palimpsest/checkpoints/shard-00000/part-000000.w.v.jsonl", 1, 11, "x")),
                wrong));
        ShardCommitter committer = new ShardCommitter(out, layout, checkpoints, json);
        CheckpointStore.State state = checkpoints.read();
        assertTrue(state.complete());
        IllegalStateException refused = assertThrows(
                IllegalStateException.class,
                () -> committer.commit(
                        state,
                        new ShardCommitter.Context(
                                0, "w", "job", "uid", "sha256:x", "m", "now", System.nanoTime(), 0, false, null)));
        assertTrue(refused.getMessage().contains("accounting does not add up"), refused.getMessage());
        assertTrue(!out.exists(layout.receiptKey()), "no receipt");
    }
}
