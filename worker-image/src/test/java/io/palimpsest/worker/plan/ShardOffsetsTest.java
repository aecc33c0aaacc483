package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.storage.FileStorage;
import io.palimpsest.worker.storage.S3Storage;
import io.palimpsest.worker.storage.Storage;
import io.palimpsest.worker.storage.StoredObject;
import io.palimpsest.worker.testing.S3MockServer;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/** A worker reads its own line of the plan through {@link ShardOffsets}, not the whole manifest. */
class ShardOffsetsTest {

    @RegisterExtension
    static final S3MockExtension S3 = S3MockServer.extension();

    private final ObjectMapper json = new ObjectMapper();
    private final ShardManifest manifest = new ShardManifest(json);
    private final JobPlanner planner = new JobPlanner(null, manifest);

    @TempDir
    Path dir;

    /** Shards of one input file each, keyed as a crawl's files are: about 90 bytes of manifest a shard. */
    private static List<Shard> shards(int count, String tag) {
        List<Shard> shards = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            shards.add(new Shard(
                    i,
                    List.of(new ShardFile(
                            String.format("crawl-%s/segment-%04d/part-%07d.jsonl.gz", tag, i / 1000, i),
                            1_000_000L + i))));
        }
        return shards;
    }

    @Test
    void aWorkerOfA200000ShardPlanReadsItsOwnLineOnly() throws IOException {
        int count = 200_000;
        FileStorage output = new FileStorage(dir.resolve("out"));
        List<Shard> shards = shards(count, "a");
        planner.store(output, shards);
        long manifestBytes = output.size(ShardManifest.KEY);
        Counting counting = new Counting(output);

        int index = 123_457;
        Shard shard = manifest.readShard(counting, index);

        assertEquals(shards.get(index), shard);
        long indexed = counting.bytes.get();
        long requests = counting.requests.get();
        assertTrue(indexed < 1024, "read " + indexed + " bytes for one shard of a " + manifestBytes + "-byte plan");

        output.delete(ShardOffsets.KEY); // a plan made by the previous release
        Counting whole = new Counting(output);
        ShardManifest.Planned earlier = manifest.locate(whole, index);
        assertEquals(shards.get(index), earlier.shard(), "a plan without the offset index is read whole");
        assertEquals(manifestBytes, whole.bytes.get());
        assertEquals(DuplicateIdIndex.sha256(output.readAll(ShardManifest.KEY)), earlier.manifestSha256());
        System.out.printf(
                "plan of %d shards (manifest %d bytes): one worker reads %d bytes in %d requests with the offset"
                        + " index, %d bytes in %d request without%n",
                count, manifestBytes, indexed, requests, whole.bytes.get(), whole.requests.get());
    }

    @Test
    void aWorkerOnS3ReadsItsLineByRangedGets() throws IOException {
        try (S3Client s3 = S3.createS3ClientV2();
                S3Storage output = new S3Storage(s3, "out", "ranged/")) {
            List<Shard> shards = shards(2_000, "s3");
            planner.store(output, shards);
            Counting counting = new Counting(output);
            for (int index : new int[] {0, 1, 999, 1_999}) {
                ShardManifest.Planned planned = manifest.locate(counting, index);
                assertEquals(shards.get(index), planned.shard());
                assertEquals(DuplicateIdIndex.sha256(output.readAll(ShardManifest.KEY)), planned.manifestSha256());
            }
            assertTrue(counting.bytes.get() < 4 * 1024, counting.bytes.get() + " bytes read for 4 shards");
            assertThrows(IllegalArgumentException.class, () -> manifest.locate(output, 2_000));
        }
    }

    @Test
    void theIndexNamesTheManifestHashTheDuplicateIdIndexChecks() throws IOException {
        FileStorage output = new FileStorage(dir.resolve("out"));
        List<Shard> shards = shards(5, "a");
        planner.store(output, shards);
        byte[] stored = output.readAll(ShardManifest.KEY);
        ShardManifest.Planned planned = manifest.locate(output, 3);
        assertEquals(DuplicateIdIndex.sha256(stored), planned.manifestSha256());
        DuplicateIdIndex ids = new DuplicateIdIndex(json);
        ids.ensure(output, shards, stored, (shard, sink) -> true);
        ids.repeats(output, planned.manifestSha256(), planned.shard(), dir, (s, sink) -> true)
                .close();

        // planning again stopped after the new manifest and its offsets, before the duplicate-id index
        byte[] next = manifest.serialize(shards(5, "b"));
        output.put(ShardManifest.KEY, next);
        output.put(ShardOffsets.KEY, ShardOffsets.of(next));
        ShardManifest.Planned half = manifest.locate(output, 3);
        InvalidJobException refused = assertThrows(
                InvalidJobException.class,
                () -> ids.repeats(output, half.manifestSha256(), half.shard(), dir, (s, sink) -> true));
        assertTrue(refused.getMessage().contains("made for another manifest"), refused.getMessage());
    }

    @Test
    void aLineOfAnotherShardIsRefusedNamingTheLine() throws IOException {
        FileStorage output = new FileStorage(dir.resolve("out"));
        List<Shard> shards = new ArrayList<>(shards(3, "a"));
        shards.set(1, new Shard(7, shards.get(1).files()));
        byte[] serialized = manifest.serialize(shards);
        output.put(ShardManifest.KEY, serialized);
        output.put(ShardOffsets.KEY, ShardOffsets.of(serialized));

        IOException refused = assertThrows(IOException.class, () -> manifest.locate(output, 1));

        assertEquals(output.describe(ShardManifest.KEY) + " line 2 holds shard 7, expected 1", refused.getMessage());
    }

    @Test
    void aManifestReplacedAfterItWasIndexedIsRefused() throws IOException {
        FileStorage output = new FileStorage(dir.resolve("out"));
        planner.store(output, shards(3, "a"));
        // planning stopped between the manifest and its index, or another planner ran meanwhile
        output.put(ShardManifest.KEY, manifest.serialize(shards(3, "b")));

        IOException refused = assertThrows(IOException.class, () -> manifest.locate(output, 2));

        assertTrue(
                refused.getMessage().startsWith(output.describe(ShardManifest.KEY) + " line 3 (bytes "),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("run `palimpsest plan` on the output again"), refused.getMessage());
    }

    @Test
    void aReplannedOutputIsIndexedAgainAndAnEarlierPlanGetsAnIndex() throws IOException {
        FileStorage output = new FileStorage(dir.resolve("out"));
        planner.store(output, shards(3, "a"));
        JobPlanner.Result replanned = planner.store(output, shards(4, "b"));
        assertTrue(replanned.replanned());
        assertEquals(shards(4, "b").get(3), manifest.readShard(output, 3));
        assertEquals(
                DuplicateIdIndex.sha256(output.readAll(ShardManifest.KEY)),
                manifest.locate(output, 0).manifestSha256());
        assertFalse(JobPlanner.workStarted(output), "the offset index is part of the plan");

        FileStorage earlier = new FileStorage(dir.resolve("earlier"));
        earlier.put(ShardManifest.KEY, manifest.serialize(shards(3, "a")));
        assertFalse(earlier.exists(ShardOffsets.KEY));
        planner.store(earlier, shards(3, "a"));
        assertTrue(earlier.exists(ShardOffsets.KEY), "planning a kept plan again indexes it");
        assertEquals(shards(3, "a").get(2), manifest.readShard(earlier, 2));
    }

    @Test
    void anIndexOfALaterFormatIsRefused() throws IOException {
        FileStorage output = new FileStorage(dir.resolve("out"));
        planner.store(output, shards(2, "a"));
        byte[] index = output.readAll(ShardOffsets.KEY);
        index[7] = '9';
        output.put(ShardOffsets.KEY, index);

        // the same for every shard and attempt: the job stops (exit 78), no shard spends its attempts on it
        InvalidJobException refused = assertThrows(InvalidJobException.class, () -> manifest.locate(output, 0));

        assertTrue(
                refused.getMessage().contains("is not a shard offset index this version reads"), refused.getMessage());
        assertTrue(refused.getMessage().contains("worker image"), refused.getMessage());
    }

    interface RangedReadHook {
        void before(String key, long start) throws IOException;
    }

    /**
     * A planner replaces the plan (no work started yet) between a worker's read of the offset index's header
     * and its read of its entry: the entry and the line are the new plan's, the header named the old manifest,
     * whose duplicate-id index is still in force. The worker must not run the new plan's shard with the old
     * plan's repeats: it stops.
     */
    @Test
    void aPlanReplacedBetweenTheHeaderAndTheEntryIsRefused() throws IOException {
        FileStorage output = new FileStorage(dir.resolve("out"));
        List<Shard> before = shards(5, "a");
        planner.store(output, before);
        byte[] stored = output.readAll(ShardManifest.KEY);
        new DuplicateIdIndex(json).ensure(output, before, stored, (shard, sink) -> true);
        List<Shard> after = shards(5, "b");
        Counting worker = new Counting(output);
        int[] offsetReads = {0};
        worker.beforeRange = (key, start) -> {
            if (key.equals(ShardOffsets.KEY) && ++offsetReads[0] == 2) {
                assertTrue(planner.store(output, after).replanned());
            }
        };

        IOException refused = assertThrows(IOException.class, () -> {
            ShardManifest.Planned planned = manifest.locate(worker, 3);
            // without the refusal: the new plan's shard under the old manifest's hash
            assertEquals(
                    DuplicateIdIndex.sha256(stored).equals(planned.manifestSha256()) ? before.get(3) : after.get(3),
                    planned.shard());
        });

        assertEquals(
                output.describe(ShardOffsets.KEY) + " was replaced while this worker read its shard through it"
                        + " (planning ran again meanwhile): its shard is looked up again by the next attempt",
                refused.getMessage());
    }

    /** Counts the requests and bytes read through it. */
    private static final class Counting implements Storage {
        private final Storage store;
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong requests = new AtomicLong();
        /** Run before each ranged read, with its key and start (null: nothing). */
        RangedReadHook beforeRange;

        Counting(Storage store) {
            this.store = store;
        }

        private InputStream counted(InputStream in) {
            requests.incrementAndGet();
            return new FilterInputStream(in) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    if (b >= 0) {
                        bytes.incrementAndGet();
                    }
                    return b;
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    int n = super.read(buffer, offset, length);
                    if (n > 0) {
                        bytes.addAndGet(n);
                    }
                    return n;
                }
            };
        }

        @Override
        public String describe() {
            return store.describe();
        }

        @Override
        public List<StoredObject> list(String prefix) throws IOException {
            requests.incrementAndGet();
            return store.list(prefix);
        }

        @Override
        public InputStream open(String key) throws IOException {
            return counted(store.open(key));
        }

        @Override
        public InputStream openRange(String key, long start, long endExclusive) throws IOException {
            if (beforeRange != null) {
                beforeRange.before(key, start);
            }
            return counted(store.openRange(key, start, endExclusive));
        }

        @Override
        public boolean exists(String key) throws IOException {
            requests.incrementAndGet();
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
        public boolean createIfAbsent(String key, byte[] content) throws IOException {
            return store.createIfAbsent(key, content);
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
