package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.storage.ConditionalWrites;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plan is stored only on a store that refuses a second create of one key: on one that overwrites
 * (an S3 implementation that ignores If-None-Match), two attempts of a shard could both commit.
 */
class ConditionalWriteProbeTest {

    @TempDir
    Path dir;

    @Test
    void aStoreThatOverwritesOnCreateIsRefusedBeforeThePlanIsWritten() throws IOException {
        Storage overwriting = new Overwriting(new FileStorage(dir));
        JobPlanner planner = new JobPlanner(null, new ShardManifest(new ObjectMapper()));

        InvalidJobException e = assertThrows(InvalidJobException.class, () -> planner.store(overwriting, List.of()));
        assertTrue(e.getMessage().contains("does not refuse a second create of one key"), e.getMessage());
        assertFalse(overwriting.exists(ShardManifest.KEY), "no plan written");
        assertEquals(List.of(), overwriting.list(""), "the probe leaves nothing");
        assertTrue(ConditionalWrites.honoured(new FileStorage(dir)));
        try (Stream<Path> left = Files.list(dir.resolve("_palimpsest"))) {
            assertEquals(List.of(), left.toList(), "not even an empty folder");
        }
    }

    /**
     * A volume whose file system makes no hard links (some FUSE mounts; here a zip file system, which refuses them as
     * such a mount does): receipts are created by a hard link, so the plan is refused as the job's error, naming the
     * output, the reason and what to use instead, where the probe failed with the file system's bare words (exit 1).
     */
    @Test
    void aVolumeWithoutHardLinksIsRefusedBeforeThePlanIsWritten() throws IOException {
        try (FileSystem zip = FileSystems.newFileSystem(dir.resolve("volume.zip"), Map.of("create", "true"))) {
            Path root = Files.createDirectories(zip.getPath("/out"));
            Storage output = new FileStorage(root);
            JobPlanner planner = new JobPlanner(null, new ShardManifest(new ObjectMapper()));

            InvalidJobException e = assertThrows(InvalidJobException.class, () -> planner.store(output, List.of()));

            String message = e.getMessage();
            assertTrue(message.startsWith("spec.output.uri " + output.describe() + ": "), message);
            assertTrue(message.contains("does not support hard links"), message);
            assertTrue(message.contains("create-once"), message);
            assertTrue(message.contains("S3"), message);
            assertEquals(
                    List.of("spec.output.uri"),
                    e.about().stream().map(f -> f.path()).toList());
            assertFalse(output.exists(ShardManifest.KEY), "no plan written");
            assertEquals(List.of(), output.list(""), "the probe leaves nothing");
        }
    }

    /** A store whose create-if-absent writes whatever is there, as an S3 server that ignores the header. */
    private record Overwriting(Storage store) implements Storage {
        @Override
        public boolean createIfAbsent(String key, byte[] content) throws IOException {
            store.put(key, content);
            return true;
        }

        @Override
        public String describe() {
            return "s3://old-store/out/";
        }

        @Override
        public List<StoredObject> list(String prefix) throws IOException {
            return store.list(prefix);
        }

        @Override
        public InputStream open(String key) throws IOException {
            return store.open(key);
        }

        @Override
        public InputStream openRange(String key, long start, long endExclusive) throws IOException {
            return store.openRange(key, start, endExclusive);
        }

        @Override
        public boolean exists(String key) throws IOException {
            return store.exists(key);
        }

        @Override
        public void put(String key, Path localFile) throws IOException {
            store.put(key, localFile);
        }

        @Override
        public void put(String key, byte[] content) throws IOException {
            store.put(key, content);
        }

        @Override
        public void concatenate(List<String> partKeys, String targetKey) throws IOException {
            store.concatenate(partKeys, targetKey);
        }

        @Override
        public void delete(String key) throws IOException {
            store.delete(key);
        }
    }
}
