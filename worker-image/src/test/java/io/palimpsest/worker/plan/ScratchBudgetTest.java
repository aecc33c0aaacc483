package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.storage.FileStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The duplicate-id pass stops at the planner's scratch bound, or on a full disk, with the setting to raise. */
class ScratchBudgetTest {

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;

    private static List<Shard> shards(int count) {
        List<Shard> shards = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            shards.add(new Shard(i, List.of(new ShardFile("f" + i + ".jsonl", 100))));
        }
        return shards;
    }

    /** 2,000 distinct ids of 20 characters a shard. */
    private static final DuplicateIdIndex.ShardIds IDS = (shard, sink) -> {
        for (int item = 0; item < 2_000; item++) {
            sink.accept(item, String.format("doc-%04d-%011d", shard.index(), item));
        }
        return true;
    };

    @Test
    void sortedRunsPastTheBoundStopThePlanNamingTheSetting() throws IOException {
        FileStorage output = new FileStorage(dir.resolve("out"));
        List<Shard> shards = shards(4);
        byte[] manifest = new ShardManifest(json).serialize(shards);
        ScratchBudget scratch = new ScratchBudget(16 * 1024, "/tmp");
        DuplicateIdIndex index = new DuplicateIdIndex(json, 4 * 1024, scratch);

        InvalidJobException refused =
                assertThrows(InvalidJobException.class, () -> index.ensure(output, shards, manifest, IDS));

        String message = refused.getMessage();
        assertTrue(
                message.startsWith("the duplicate-id pass ran out of local scratch space under /tmp: the sorted ids"
                        + " would take more than the 16384 bytes it may use (PALIMPSEST_SCRATCH_LIMIT)"),
                message);
        assertTrue(message.contains("raise the operator's palimpsest.jobs.planner-scratch-size"), message);
        assertFalse(output.exists(DuplicateIdIndex.INDEX_KEY), "no index marks the plan complete");
        assertEquals(0, scratch.used(), "the run files written are deleted and given back");

        // the same plan within a bound that holds it
        DuplicateIdIndex roomy = new DuplicateIdIndex(json, 4 * 1024, new ScratchBudget(4L << 20, "/tmp"));
        assertEquals(8_000, roomy.ensure(output, shards, manifest, IDS).documents());
    }

    @Test
    void aFullDiskStopsThePlanWithTheSameAdvice() {
        FileStorage output = new FileStorage(dir.resolve("out"));
        List<Shard> shards = shards(2);
        byte[] manifest = new ShardManifest(json).serialize(shards);
        DuplicateIdIndex index = new DuplicateIdIndex(json, 4 * 1024, ScratchBudget.unbounded("/tmp"));
        // what a write to a full file system throws (the test cannot fill a real disk)
        DuplicateIdIndex.ShardIds filling = (shard, sink) -> {
            throw new UncheckedIOException(
                    new FileSystemException("/tmp/palimpsest-sort1/run-2.bin: No space left on device"));
        };

        InvalidJobException refused =
                assertThrows(InvalidJobException.class, () -> index.ensure(output, shards, manifest, filling));

        assertTrue(
                refused.getMessage()
                        .startsWith("the duplicate-id pass ran out of local scratch space under /tmp: the disk filled"
                                + " up (/tmp/palimpsest-sort1/run-2.bin: No space left on device)"),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("palimpsest.jobs.planner-scratch-size"), refused.getMessage());
    }

    @Test
    void otherFailuresAreLeftAsTheyAre() {
        FileStorage output = new FileStorage(dir.resolve("out"));
        List<Shard> shards = shards(1);
        byte[] manifest = new ShardManifest(json).serialize(shards);
        DuplicateIdIndex index = new DuplicateIdIndex(json, 4 * 1024, ScratchBudget.unbounded("/tmp"));
        DuplicateIdIndex.ShardIds failing = (shard, sink) -> {
            throw new IOException("connection reset");
        };

        IOException failed = assertThrows(IOException.class, () -> index.ensure(output, shards, manifest, failing));
        assertEquals("connection reset", failed.getMessage());
    }

    @Test
    void theEnvironmentGivesTheBound() {
        assertFalse(ScratchBudget.fromEnvironment(null, "/tmp").bounded());
        assertTrue(ScratchBudget.fromEnvironment("1048576", "/tmp").bounded());
        InvalidJobException refused =
                assertThrows(InvalidJobException.class, () -> ScratchBudget.fromEnvironment("10Gi", "/tmp"));
        assertEquals("PALIMPSEST_SCRATCH_LIMIT must be a positive number of bytes, got '10Gi'", refused.getMessage());
    }
}
