package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.worker.config.InputNotReadyException;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.plan.InputSample;
import io.palimpsest.worker.plan.ItemsForLimit;
import io.palimpsest.worker.plan.JobPlanner;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.plan.ShardPlanner;
import io.palimpsest.worker.plan.ShardingPolicy;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.InputRoot;
import io.palimpsest.worker.storage.KeyFilter;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import io.palimpsest.worker.testing.ReadOnlyFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An input file rewritten while the planner reads it (its sample, its count for {@code input.limit}) is a changed
 * input, refused naming the file as the input's state (exit 78, {@code InputNotReady:}), to be planned again once the
 * input is settled: not a failure of the store, which the planner's Job would retry as an outage (exit 1).
 */
class PlanInputChangedTest {

    @TempDir
    Path dir;

    private final DocumentReaders readers =
            new DocumentReaders("auto", new RecordDecoder(new ObjectMapper(), new FieldMapping("text", "id")), 1 << 20);

    @Test
    void aParquetFileRewrittenWhileItIsSampledRefusesThePlanAsChangedNotAsAStoreFailure() throws IOException {
        writeParquet(dir.resolve("a.parquet"), "a", 20);
        RewrittenWhileRead store = new RewrittenWhileRead(dir, "a.parquet");
        List<Shard> shards = cut(store, null);

        InputNotReadyException refusal =
                assertThrows(InputNotReadyException.class, () -> new InputSample(store, readers).check(shards));

        assertChanged(store, refusal, " changed while it was read: it was read as mtime ");
    }

    @Test
    void aParquetFileRewrittenWhileItIsCountedForTheLimitRefusesThePlanAsChanged() throws IOException {
        writeParquet(dir.resolve("a.parquet"), "a", 20);
        RewrittenWhileRead store = new RewrittenWhileRead(dir, "a.parquet");

        InputNotReadyException refusal = assertThrows(InputNotReadyException.class, () -> cut(store, 5L));

        assertChanged(store, refusal, " changed while it was read: it was read as mtime ");
    }

    /**
     * On a volume a Parquet file is read as it is, with no version pinned: its bytes rewritten since the listing read
     * as a file that does not decode, which the planner passed over as corrupt; its version now tells the change.
     */
    @Test
    void aFileOnAVolumeRewrittenSinceTheListingIsRefusedAsChangedNotPassedOverAsCorrupt() throws IOException {
        Path file = dir.resolve("a.parquet");
        writeParquet(file, "a", 20);
        FileStorage volume = new FileStorage(dir);
        List<Shard> shards = cut(volume, null);
        String listed = shards.get(0).files().get(0).version();
        Files.writeString(file, "a copy half written");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(3600)));

        InputNotReadyException refusal =
                assertThrows(InputNotReadyException.class, () -> new InputSample(volume, readers).check(shards));

        assertChanged(volume, refusal, ": the input was listed with " + listed + ", it now has mtime ");
    }

    private void assertChanged(Storage store, InputNotReadyException refusal, String what) {
        String message = refusal.getMessage();
        String prefix = "input file " + store.describe("a.parquet") + " changed while the job was planned: ";
        assertTrue(message.startsWith(prefix), message);
        assertTrue(message.contains(what), message);
        assertTrue(
                message.endsWith("A plan cut from it would not hold the input its workers read: plan the job again once"
                        + " the input is settled (whatever writes it has finished)"),
                message);
        assertEquals(ExitCodes.INVALID_JOB, PalimpsestCli.exitCodeOf(refusal));
    }

    private List<Shard> cut(Storage store, Long limit) throws IOException {
        JobPlanner planner =
                new JobPlanner(new ShardPlanner(new ShardingPolicy(1, null)), new ShardManifest(new ObjectMapper()));
        return planner.cut(
                new InputRoot(store, Optional.empty()), KeyFilter.all(), limit, new ItemsForLimit(store, readers));
    }

    private static void writeParquet(Path file, String prefix, int rows) throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { required binary id (STRING); required binary text (STRING); }");
        Files.deleteIfExists(file);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withType(schema)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (int i = 0; i < rows; i++) {
                writer.write(groups.newGroup().append("id", prefix + "-" + i).append("text", "text " + i));
            }
        }
    }

    /**
     * A store that reads objects by ranges pinned to the version first read, as {@code s3://} does: its file is
     * rewritten (another file in its place, an hour later) after the first look of a read at it, so the read's next
     * range finds another version.
     */
    private static final class RewrittenWhileRead extends ReadOnlyFolder {
        private final Path root;
        private final String key;
        private int looks;

        RewrittenWhileRead(Path root, String key) {
            super(root);
            this.root = root;
            this.key = key;
        }

        @Override
        public StoredObject stat(String key) throws IOException {
            if (key.equals(this.key) && ++looks == 2) {
                Path file = root.resolve(key);
                writeParquet(file, "b", 30);
                Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(3600)));
            }
            return files.stat(key);
        }
    }
}
