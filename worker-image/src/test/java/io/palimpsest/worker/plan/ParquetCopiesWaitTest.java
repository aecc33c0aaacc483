package io.palimpsest.worker.plan;

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
import io.palimpsest.worker.testing.ReadOnlyFolder;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
 * The duplicate-id pass's threads reading remote Parquet files, each from a local copy taken from the scratch budget:
 * a copy that fits but for another thread's copy waits for it instead of refusing the plan, so a bound that holds one
 * copy at a time plans with two threads as with one; and a pass that stops or is interrupted ends those waits.
 */
class ParquetCopiesWaitTest {

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;

    /**
     * Two threads, two Parquet files, room for one copy beside the sorted ids: the first copy is held (its download
     * blocked) until the second thread is seen waiting for room, so the second must wait rather than be refused.
     */
    @Test
    void aCopyThatFitsButForAnotherThreadsCopyWaitsForIt() throws Exception {
        Remote remote = corpus("wait", 300);
        long limit = Math.max(remote.size("a.parquet"), remote.size("b.parquet")) + 64 * 1024;
        assertTrue(limit < remote.size("a.parquet") + remote.size("b.parquet"), "room for one copy, not two");
        ScratchBudget scratch = new ScratchBudget(limit, "/tmp");
        Copies copies = new Copies(scratch);
        remote.holdFirstDownloadUntil(() -> scratch.waiting() > 0 || copies.refused.get());

        DuplicateIdIndex.Summary summary = new DuplicateIdIndex(json, 64L << 20, scratch, 2)
                .ensure(
                        new FileStorage(dir.resolve("out-wait")),
                        remote.shards(),
                        manifest(remote),
                        reader(remote, copies));

        assertTrue(remote.heldUntilOtherWaited.get(), "the second copy waited for the first");
        assertEquals(600, summary.documents());
        assertEquals(Set.of("a.parquet", "b.parquet"), remote.downloaded);
        assertTrue(copies.most.get() <= limit, "never past the bound: " + copies.most.get());
        assertEquals(0, scratch.used(), "every copy given back");
        assertEquals(0, scratch.waiting());
    }

    /**
     * The thread holding the first copy fails its sort (the sorted ids past the bound) while the other waits for
     * room: the waiting thread gives up at once and downloads nothing, and the pass fails with the sort's failure.
     */
    @Test
    void aPassThatStopsEndsTheWaitsForACopy() throws Exception {
        Remote remote = corpus("stop", 300);
        long limit = Math.max(remote.size("a.parquet"), remote.size("b.parquet")) + 1_000;
        ScratchBudget scratch = new ScratchBudget(limit, "/tmp");
        Copies copies = new Copies(scratch);
        remote.holdFirstDownloadUntil(() -> scratch.waiting() > 0 || copies.refused.get());

        // 4 KiB of ids per thread before it writes a run: more than the 1,000 bytes left beside a copy
        InvalidJobException refused =
                assertThrows(InvalidJobException.class, () -> new DuplicateIdIndex(json, 8 * 1024, scratch, 2)
                        .ensure(
                                new FileStorage(dir.resolve("out-stop")),
                                remote.shards(),
                                manifest(remote),
                                reader(remote, copies)));

        assertTrue(refused.getMessage().contains("the sorted ids would take more than"), refused.getMessage());
        assertTrue(remote.heldUntilOtherWaited.get(), "the second copy waited for the first");
        assertEquals(1, remote.downloaded.size(), "the waiting thread downloaded nothing: " + remote.downloaded);
        assertEquals(0, scratch.used());
        assertEquals(0, scratch.waiting());
    }

    /**
     * Two threads, room for both copies but not for a run of sorted ids beside them: the thread reading b.parquet fills
     * its share of the sort's memory while the other still holds a.parquet's copy (its download held until then), so
     * its run waits for that copy to be given back rather than refuse the plan; a.parquet's few ids spill nothing, and
     * b.parquet is downloaded only once both copies are taken.
     */
    @Test
    void aRunThatFitsButForAnotherThreadsCopyWaitsForIt() throws Exception {
        Path root = Files.createDirectories(dir.resolve("runs"));
        write(root.resolve("a.parquet"), "a", 20, 1);
        write(root.resolve("b.parquet"), "b", 300, 2);
        Remote remote = new Remote(new FileStorage(root));
        long bothCopies = remote.size("a.parquet") + remote.size("b.parquet");
        long limit = bothCopies + 1_000;
        ScratchBudget scratch = new ScratchBudget(limit, "/tmp");
        Copies copies = new Copies(scratch);
        AtomicBoolean failed = new AtomicBoolean();
        remote.holdDownloadOf("b.parquet", () -> scratch.used() >= bothCopies || failed.get());
        remote.holdDownloadOf("a.parquet", () -> scratch.waitingForRuns() > 0 || failed.get());
        DuplicateIdIndex.ShardIds reader = reader(remote, copies);

        // 8 KiB of ids per thread before it writes a run: 96 of b's ids, 3,648 bytes on disk, past the 1,000 left
        DuplicateIdIndex.Summary summary = new DuplicateIdIndex(json, 16 * 1024, scratch, 2)
                .ensure(new FileStorage(dir.resolve("out-runs")), remote.shards(), manifest(remote), (shard, ids) -> {
                    try {
                        return reader.read(shard, ids);
                    } catch (IOException | RuntimeException e) {
                        failed.set(true);
                        throw e;
                    }
                });

        assertEquals(Set.of("a.parquet", "b.parquet"), remote.released, "b's run waited for a's copy");
        assertEquals(320, summary.documents());
        assertTrue(copies.most.get() <= limit, "never past the bound: " + copies.most.get());
        assertEquals(0, scratch.used(), "every copy and run given back");
        assertEquals(0, scratch.waiting());
        assertEquals(0, scratch.waitingForRuns());
    }

    /** The planner interrupted while a thread waits for room for a copy: the wait ends and the pass with it. */
    @Test
    void anInterruptedPassEndsTheWaitsForACopy() throws Exception {
        Remote remote = corpus("interrupt", 300);
        long limit = Math.max(remote.size("a.parquet"), remote.size("b.parquet")) + 64 * 1024;
        ScratchBudget scratch = new ScratchBudget(limit, "/tmp");
        Copies copies = new Copies(scratch);
        CountDownLatch never = new CountDownLatch(1);
        remote.holdFirstDownloadUntil(() -> {
            if (scratch.waiting() == 0) {
                return false;
            }
            never.await(); // until the pass's threads are interrupted
            return true;
        });

        Thread planner = Thread.currentThread();
        CompletableFuture<Void> interrupt = CompletableFuture.runAsync(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (scratch.waiting() == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            planner.interrupt();
        });
        try {
            assertThrows(InterruptedIOException.class, () -> new DuplicateIdIndex(json, 64L << 20, scratch, 2)
                    .ensure(
                            new FileStorage(dir.resolve("out-interrupt")),
                            remote.shards(),
                            manifest(remote),
                            reader(remote, copies)));
        } finally {
            interrupt.join();
            Thread.interrupted();
        }

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (scratch.waiting() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(0, scratch.waiting(), "the waiting thread was woken");
        assertFalse(remote.downloaded.size() > 1, "nothing downloaded after the interruption: " + remote.downloaded);
    }

    private byte[] manifest(Remote remote) throws IOException {
        return new ShardManifest(json).serialize(remote.shards());
    }

    /** Reads a shard as the planner does: as its worker will, the Parquet copies counted in {@code copies}. */
    private DuplicateIdIndex.ShardIds reader(Remote remote, Copies copies) {
        DocumentReaders readers = new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 20)
                .countingCopiesIn(copies);
        return (shard, ids) -> {
            ShardInput.eachId(remote, shard, readers, ids);
            return true;
        };
    }

    /** The budget, as the readers see it: notes a refusal and the most held at once. */
    private static final class Copies implements DocumentReaders.LocalCopies {
        final ScratchBudget scratch;
        final AtomicBoolean refused = new AtomicBoolean();
        final AtomicLong most = new AtomicLong();

        Copies(ScratchBudget scratch) {
            this.scratch = scratch;
        }

        @Override
        public void reserveCopy(String file, long bytes) throws InterruptedIOException {
            try {
                scratch.reserveCopy(file, bytes);
            } catch (RuntimeException e) {
                refused.set(true);
                throw e;
            }
            most.accumulateAndGet(scratch.used(), Math::max);
        }

        @Override
        public void releaseCopy(long bytes) {
            scratch.releaseCopy(bytes);
        }
    }

    @FunctionalInterface
    private interface Condition {
        boolean holds() throws InterruptedException;
    }

    /** Two Parquet files of {@code rows} rows each, in a store the readers copy from (not a local folder). */
    private Remote corpus(String name, int rows) throws IOException {
        Path root = Files.createDirectories(dir.resolve(name));
        write(root.resolve("a.parquet"), "a", rows, 1);
        write(root.resolve("b.parquet"), "b", rows, 2);
        return new Remote(new FileStorage(root));
    }

    /** {@code rows} rows of 1,000 random letters (so that they do not compress away). */
    private static void write(Path file, String prefix, int rows, long seed) throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message doc { required binary id (STRING); required binary text (STRING); }");
        Random random = new Random(seed);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withType(schema)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (int i = 0; i < rows; i++) {
                StringBuilder text = new StringBuilder();
                for (int c = 0; c < 1_000; c++) {
                    text.append((char) ('a' + random.nextInt(26)));
                }
                writer.write(groups.newGroup()
                        .append("id", prefix + "-document-" + i)
                        .append("text", text.toString()));
            }
        }
    }

    /**
     * A remote store over a folder (so the readers copy Parquet files down); the first download, or that of a given
     * file, is held until a condition holds (at most 20 s).
     */
    private static final class Remote extends ReadOnlyFolder {
        final Set<String> downloaded = ConcurrentHashMap.newKeySet();
        final AtomicBoolean heldUntilOtherWaited = new AtomicBoolean();
        /** The files whose download was held until its condition held. */
        final Set<String> released = ConcurrentHashMap.newKeySet();

        private final AtomicBoolean first = new AtomicBoolean(true);
        private volatile Condition release;
        private final Map<String, Condition> holds = new ConcurrentHashMap<>();

        Remote(FileStorage files) {
            super(files);
        }

        void holdFirstDownloadUntil(Condition release) {
            this.release = release;
        }

        void holdDownloadOf(String key, Condition release) {
            holds.put(key, release);
        }

        List<Shard> shards() throws IOException {
            return List.of(
                    new Shard(0, List.of(new ShardFile("a.parquet", size("a.parquet")))),
                    new Shard(1, List.of(new ShardFile("b.parquet", size("b.parquet")))));
        }

        @Override
        public void download(String key, Path target) throws IOException {
            Condition hold = holds.remove(key);
            if (hold == null && release != null && first.getAndSet(false)) {
                hold = release;
            }
            if (hold != null) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                try {
                    while (System.nanoTime() < deadline) {
                        if (hold.holds()) {
                            heldUntilOtherWaited.set(true);
                            released.add(key);
                            break;
                        }
                        Thread.sleep(2);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted");
                }
            }
            downloaded.add(key);
            files.download(key, target);
        }

        @Override
        public String describe() {
            return "remote:" + files.describe();
        }
    }
}
