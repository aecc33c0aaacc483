package io.palimpsest.worker.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardReason;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardPlanner;
import io.palimpsest.worker.plan.ShardingPolicy;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import io.palimpsest.worker.testing.Corpus;
import io.palimpsest.worker.testing.TestRunSettings;
import io.palimpsest.worker.testing.UppercaseProcessor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A volume that makes no hard links (some FUSE mounts; here a zip file system, which refuses them as such a mount
 * does) met by a shard rather than by the planner's probe: a folder the shard writes in on another mount than the one
 * probed, a plan made before the probe existed, {@code run} on an output no planner of this version checked. Every
 * shard meets the same refusal, so the attempt exits 78 (the job fails at once) naming {@code spec.output.uri} and the
 * folder, where it exited 1 and the Job spent every shard's attempts on it; and it leaves nothing that looks committed.
 */
class HardLinksRefusedAtCommitTest {

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;

    private Path in;
    private Shard shard;

    @BeforeEach
    void corpus() throws IOException {
        in = dir.resolve("in");
        Corpus.writeJsonl(in.resolve("a.jsonl"), "a", 60);
        shard = new ShardPlanner(new ShardingPolicy(1, null))
                .plan(new FileStorage(in).list(""))
                .get(0);
    }

    @Test
    void anOutputOnAVolumeWithoutHardLinksFailsTheShardAsTheJobsRefusalAtItsFirstCheckpoint() throws IOException {
        try (FileSystem volume = FileSystems.newFileSystem(dir.resolve("volume.zip"), Map.of("create", "true"))) {
            FileStorage output = new FileStorage(Files.createDirectories(volume.getPath("/out")));

            ShardRunner.Report report = runner(output).run(shard);

            assertEquals(
                    ExitCodes.MODEL_CONFIG, report.exitCode(), report.summary().getMessage());
            ShardSummary summary = report.summary();
            assertEquals(ShardSummary.Outcome.modelConfig, summary.getOutcome());
            assertEquals(ShardReason.STORE_REFUSED.code(), summary.getReason());
            String message = summary.getMessage();
            assertTrue(message.startsWith("spec.output.uri " + output.describe() + ": "), message);
            assertTrue(message.contains("does not support hard links"), message);
            assertTrue(message.contains("refused in _palimpsest/checkpoints/shard-00000/"), message);
            assertTrue(message.contains("every shard"), message);
            assertFalse(output.exists("_palimpsest/receipts/shard-00000.json"), "no receipt");
            assertEquals(List.of(), keysUnder(output, "upper/"), "no output file");
        }
    }

    /**
     * The output's volume makes links (the planner's probe in {@code _palimpsest/} passed), its receipts folder is on
     * another mount that does not: every part is checkpointed, the files are assembled, and the receipt is refused.
     * The assembled files go with the refusal, as no receipt will ever list them; the parts stay.
     */
    @Test
    void aReceiptsFolderOnAMountWithoutHardLinksFailsTheShardAndWithdrawsWhatItAssembled() throws IOException {
        try (FileSystem volume = FileSystems.newFileSystem(dir.resolve("receipts.zip"), Map.of("create", "true"))) {
            FileStorage base = new FileStorage(dir.resolve("out"));
            FileStorage receipts = new FileStorage(Files.createDirectories(volume.getPath("/mnt")));
            Storage output = new MountedUnder(base, "_palimpsest/receipts/", receipts);

            ShardRunner.Report report = runner(output).run(shard);

            assertEquals(
                    ExitCodes.MODEL_CONFIG, report.exitCode(), report.summary().getMessage());
            ShardSummary summary = report.summary();
            assertEquals(ShardSummary.Outcome.modelConfig, summary.getOutcome());
            assertEquals(ShardReason.STORE_REFUSED.code(), summary.getReason());
            String message = summary.getMessage();
            assertTrue(message.startsWith("spec.output.uri " + base.describe() + ": "), message);
            assertTrue(message.contains("does not support hard links (refused in _palimpsest/receipts/)"), message);
            assertFalse(output.exists("_palimpsest/receipts/shard-00000.json"), "no receipt");
            assertEquals(List.of(), keysUnder(output, "upper/"), "no assembled file left without its receipt");
            assertEquals(List.of(), keysUnder(output, "_palimpsest/rejects/"), "nor its rejects file");
            assertFalse(
                    keysUnder(output, "_palimpsest/checkpoints/shard-00000/").isEmpty(), "the parts stay");
        }
    }

    private ShardRunner runner(Storage output) throws IOException {
        DocumentReaders readers = new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20);
        RunSettings settings =
                TestRunSettings.of(0, "w1", 25, 35, Compression.ZSTD, Files.createTempDirectory(dir, "tmp"));
        return new ShardRunner(
                new FileStorage(in), output, readers, new UppercaseProcessor(), settings, json, new RunProgress());
    }

    private static List<String> keysUnder(Storage storage, String prefix) throws IOException {
        return storage.list(prefix).stream().map(StoredObject::key).toList();
    }

    /** An output folder with one of its folders on another mount: keys under {@code mountPoint} are that mount's. */
    private record MountedUnder(Storage base, String mountPoint, Storage mounted) implements Storage {

        private Storage of(String key) {
            return key.startsWith(mountPoint) ? mounted : base;
        }

        @Override
        public String describe() {
            return base.describe();
        }

        @Override
        public List<StoredObject> list(String prefix) throws IOException {
            if (prefix.startsWith(mountPoint)) {
                return mounted.list(prefix);
            }
            List<StoredObject> found = new ArrayList<>(base.list(prefix));
            if (mountPoint.startsWith(prefix)) {
                found.addAll(mounted.list(mountPoint));
            }
            found.sort(Comparator.comparing(StoredObject::key));
            return found;
        }

        @Override
        public InputStream open(String key) throws IOException {
            return of(key).open(key);
        }

        @Override
        public InputStream openRange(String key, long start, long endExclusive) throws IOException {
            return of(key).openRange(key, start, endExclusive);
        }

        @Override
        public boolean exists(String key) throws IOException {
            return of(key).exists(key);
        }

        @Override
        public void put(String key, Path localFile) throws IOException {
            of(key).put(key, localFile);
        }

        @Override
        public void put(String key, byte[] content) throws IOException {
            of(key).put(key, content);
        }

        @Override
        public boolean createIfAbsent(String key, byte[] content) throws IOException {
            return of(key).createIfAbsent(key, content);
        }

        @Override
        public void concatenate(List<String> partKeys, String targetKey) throws IOException {
            for (String part : partKeys) {
                if (of(part) != of(targetKey)) {
                    throw new IOException("parts and their target on two mounts: " + part + ", " + targetKey);
                }
            }
            of(targetKey).concatenate(partKeys, targetKey);
        }

        @Override
        public void delete(String key) throws IOException {
            of(key).delete(key);
        }

        @Override
        public void deleteTemporaries(String key) throws IOException {
            of(key).deleteTemporaries(key);
        }

        @Override
        public void deleteAll(String prefix) throws IOException {
            base.deleteAll(prefix);
            if (prefix.startsWith(mountPoint) || mountPoint.startsWith(prefix)) {
                mounted.deleteAll(prefix);
            }
        }
    }
}
