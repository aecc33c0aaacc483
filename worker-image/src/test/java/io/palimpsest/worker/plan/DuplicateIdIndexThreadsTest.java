package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.storage.FileStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The duplicate-id pass read by several threads: the same index, byte for byte, as one thread; the failure of the
 * first failing shard in plan order; the scratch budget never passed and given back whole.
 */
class DuplicateIdIndexThreadsTest {

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

    /**
     * 12 shards of 1,500 documents; ids drawn from a pool of 6,000 so that many repeat, within a shard and across;
     * shard 7 is unreadable half-way (its records must count for nothing); the threads' timing is jumbled by
     * pauses that differ from run to run.
     */
    private static DuplicateIdIndex.ShardIds corpus(long timingSeed) {
        Random timing = new Random(timingSeed);
        Map<Integer, Integer> pauses = new ConcurrentHashMap<>();
        for (int i = 0; i < 12; i++) {
            pauses.put(i, timing.nextInt(4));
        }
        return (shard, sink) -> {
            Random ids = new Random(shard.index());
            for (int item = 0; item < 1_500; item++) {
                if (item % 500 == 0) {
                    try {
                        Thread.sleep(pauses.get(shard.index()));
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
                if (shard.index() == 7 && item == 750) {
                    return false;
                }
                sink.accept(item, "doc-" + ids.nextInt(6_000) + (item % 97 == 0 ? "-é" : ""));
            }
            return true;
        };
    }

    /** Every file under {@code root}, by path relative to it. */
    private static Map<String, byte[]> files(Path root) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.filter(Files::isRegularFile).toList()) {
                files.put(root.relativize(path).toString(), Files.readAllBytes(path));
            }
        }
        return files;
    }

    @Test
    void severalThreadsWriteTheSameIndexAsOne() throws IOException {
        List<Shard> shards = shards(12);
        byte[] manifest = new ShardManifest(json).serialize(shards);
        Map<String, byte[]> expected = null;
        for (int threads : new int[] {1, 2, 4, 7}) {
            for (long memory : new long[] {16 * 1024, 64L << 20}) { // spilling many runs, and all in memory
                Path out = dir.resolve("out-" + threads + "-" + memory);
                ScratchBudget scratch = new ScratchBudget(64L << 20, "/tmp");
                DuplicateIdIndex.Summary summary = new DuplicateIdIndex(json, memory, scratch, threads)
                        .ensure(new FileStorage(out), shards, manifest, corpus(threads * 31L + memory));
                assertEquals(List.of(7), summary.unreadableShards());
                assertTrue(summary.duplicates() > 1_000 && summary.repeatsWithinShards() > 100, summary.toString());
                assertEquals(0, scratch.used(), "every run file given back");
                Map<String, byte[]> written = files(out);
                if (expected == null) {
                    expected = written;
                    assertTrue(expected.size() > 10, expected.keySet().toString());
                    continue;
                }
                assertEquals(expected.keySet(), written.keySet(), threads + " threads, memory " + memory);
                for (String file : expected.keySet()) {
                    assertArrayEquals(
                            expected.get(file),
                            written.get(file),
                            file + " with " + threads + " threads, memory " + memory);
                }
            }
        }
    }

    /**
     * Shard 2 fails late, shard 5 at once: with one thread the pass fails on shard 2, so with four it must too, and
     * the shards after the failure are not read to their end. Shard 5 fails once shard 6 is being read; the shards
     * after it wait at their start until shard 5 has failed, then offer items without end: whenever the pass records
     * the failure (a loaded machine may hold its thread up between the throw and the record), their next item is
     * refused. (A bound on the shards read to their end while shard 5 is still read, as this test had, bounds the
     * threads' timing, not the pass: it cannot know shard 5 will fail, and once shard 5 was held up by 300 ms every
     * shard up to 39 was read.)
     */
    @Test
    void theFirstFailingShardInPlanOrderIsTheFailureWhateverTheThreads() throws Exception {
        List<Shard> shards = shards(40);
        byte[] manifest = new ShardManifest(json).serialize(shards);
        for (int threads : new int[] {1, 4}) {
            CountDownLatch sixStarted = new CountDownLatch(1);
            CountDownLatch fiveFailed = new CountDownLatch(1);
            Set<Integer> finished = ConcurrentHashMap.newKeySet();
            Set<Integer> startedAfterFive = ConcurrentHashMap.newKeySet();
            AtomicBoolean waited = new AtomicBoolean();
            DuplicateIdIndex.ShardIds reader = (shard, sink) -> {
                if (shard.index() > 5) {
                    startedAfterFive.add(shard.index());
                    sixStarted.countDown();
                    awaitOrFail(fiveFailed, "shard 5's failure");
                    for (long item = 0; item < NO_END; item++) {
                        sink.accept(item, "id-" + shard.index() + "-" + item);
                        Thread.yield(); // leaves the thread that records the failure room to run
                    }
                    finished.add(shard.index());
                    return true;
                }
                for (int item = 0; item < 200; item++) {
                    sink.accept(item, "id-" + shard.index() + "-" + item);
                }
                if (shard.index() == 2) {
                    if (threads > 1) {
                        waited.set(awaitOrFail(fiveFailed, "shard 5's failure"));
                    }
                    throw new InvalidJobException("input file f2.jsonl is archived");
                }
                if (shard.index() == 5) {
                    if (threads > 1) {
                        awaitOrFail(sixStarted, "shard after shard 5 started");
                    }
                    fiveFailed.countDown();
                    throw new InvalidJobException("input file f5.jsonl is archived");
                }
                finished.add(shard.index());
                return true;
            };
            Path out = dir.resolve("failing-" + threads);
            ScratchBudget scratch = new ScratchBudget(64L << 20, "/tmp");
            InvalidJobException refused =
                    assertThrows(InvalidJobException.class, () -> new DuplicateIdIndex(json, 4 * 1024, scratch, threads)
                            .ensure(new FileStorage(out), shards, manifest, reader));

            assertEquals("input file f2.jsonl is archived", refused.getMessage(), threads + " threads");
            assertEquals(threads > 1, waited.get(), "shard 5 failed while shard 2 was read");
            if (threads == 1) {
                assertEquals(Set.of(0, 1), finished, "one thread stops at shard 2");
                assertEquals(Set.of(), startedAfterFive);
            } else {
                assertTrue(startedAfterFive.contains(6), "shard 6 was read when shard 5 failed");
                assertTrue(
                        finished.stream().allMatch(i -> i < 5),
                        "no shard after the failure is read to its end: " + finished + " (started: " + startedAfterFive
                                + ")");
            }
            assertFalse(new FileStorage(out).exists(DuplicateIdIndex.INDEX_KEY));
            assertEquals(0, scratch.used());
        }
    }

    /** Items a shard after the failure offers: far more than are read before the pass refuses one. */
    private static final long NO_END = 20_000L;

    /** Waits for {@code latch}; a minute without it is a hung pass, failed as such rather than waited on forever. */
    private static boolean awaitOrFail(CountDownLatch latch, String what) throws IOException {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new IOException("no " + what + " within a minute");
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Test
    void theBudgetStopsEveryThreadNamingTheSettingAndIsGivenBack() {
        List<Shard> shards = shards(8);
        byte[] manifest = new ShardManifest(json).serialize(shards);
        ScratchBudget scratch = new ScratchBudget(16 * 1024, "/tmp");
        DuplicateIdIndex.ShardIds reader = (shard, sink) -> {
            for (int item = 0; item < 2_000; item++) {
                sink.accept(item, String.format("doc-%04d-%011d", shard.index(), item));
            }
            return true;
        };

        InvalidJobException refused =
                assertThrows(InvalidJobException.class, () -> new DuplicateIdIndex(json, 8 * 1024, scratch, 4)
                        .ensure(new FileStorage(dir.resolve("full")), shards, manifest, reader));

        assertTrue(
                refused.getMessage()
                        .startsWith("the duplicate-id pass ran out of local scratch space under /tmp: the sorted ids"
                                + " would take more than the 16384 bytes it may use (PALIMPSEST_SCRATCH_LIMIT)"),
                refused.getMessage());
        assertEquals(0, scratch.used(), "the run files written are deleted and given back");
    }

    @Test
    void theThreadsSettingIsAPositiveWholeNumber() {
        assertEquals(Runtime.getRuntime().availableProcessors(), DuplicateIdIndex.threadsFromEnvironment(null));
        assertEquals(3, DuplicateIdIndex.threadsFromEnvironment(" 3 "));
        InvalidJobException refused =
                assertThrows(InvalidJobException.class, () -> DuplicateIdIndex.threadsFromEnvironment("0"));
        assertEquals(
                "PALIMPSEST_PLANNER_THREADS must be a positive whole number of threads, got '0'", refused.getMessage());
    }
}
