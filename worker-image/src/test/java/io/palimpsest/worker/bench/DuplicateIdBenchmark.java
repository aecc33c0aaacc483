package io.palimpsest.worker.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.format.RepeatedIds;
import io.palimpsest.worker.plan.DuplicateIdIndex;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardFile;
import io.palimpsest.worker.plan.ShardManifest;
import io.palimpsest.worker.run.ShardInput;
import io.palimpsest.worker.storage.FileStorage;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The planner's duplicate-id pass, in two parts. "index": ids handed straight to the index
 * (external sort, lists, no input reading), to show its speed and that its heap stays bounded
 * whatever the number of ids (run it with a small {@code -Xmx}). "read": the whole pass as
 * {@code palimpsest plan} runs it, reading JSONL documents with the workers' readers.
 *
 * <pre>
 * mvn -B -q -f worker-image/pom.xml test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -Xmx128m -cp worker-image/target/test-classes:worker-image/target/classes:$(cat /tmp/cp.txt) \
 *     io.palimpsest.worker.bench.DuplicateIdBenchmark --ids 1000000 --read-docs 200000
 * </pre>
 */
public final class DuplicateIdBenchmark {

    public static void main(String[] args) throws Exception {
        BenchArgs options = new BenchArgs(args);
        long ids = Long.parseLong(options.get("--ids", "1000000"));
        int shards = Integer.parseInt(options.get("--shards", "100"));
        double repeated = Double.parseDouble(options.get("--repeated", "0.01"));
        int readDocs = Integer.parseInt(options.get("--read-docs", "200000"));
        int docChars = Integer.parseInt(options.get("--doc-chars", "2048"));
        options.checkAllKnown();
        Path dir = Files.createTempDirectory("palimpsest-dupbench");
        ObjectMapper json = new ObjectMapper();
        System.out.printf(
                "max heap %d MB; ids held before spilling: up to %d MB%n",
                Runtime.getRuntime().maxMemory() >> 20,
                Math.min(64L << 20, Runtime.getRuntime().maxMemory() / 8) >> 20);

        for (int round = 1; round <= 2; round++) { // the first round warms the JIT
            indexOnly(json, dir.resolve("index-" + round), ids, shards, repeated, round);
        }
        if (readDocs > 0) {
            readPass(json, dir, readDocs, docChars);
        }
    }

    /** Ids made from a counter (no list kept), a share of them repeating an id of an earlier shard. */
    private static void indexOnly(ObjectMapper json, Path out, long ids, int shards, double repeated, int round)
            throws IOException {
        List<Shard> plan = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            plan.add(new Shard(i, List.of(new ShardFile("f" + i, 1))));
        }
        long perShard = ids / shards;
        Random random = new Random(round);
        long[] expectedRepeats = {0};
        resetPeaks();
        long start = System.nanoTime();
        DuplicateIdIndex.Summary summary = new DuplicateIdIndex(json)
                .ensure(new FileStorage(out), plan, new ShardManifest(json).serialize(plan), (shard, sink) -> {
                    long from = shard.index() * perShard;
                    for (long k = from; k < from + perShard; k++) {
                        if (from > 0 && random.nextDouble() < repeated) {
                            sink.accept(k - from, id((long) (random.nextDouble() * from)));
                            expectedRepeats[0]++;
                        } else {
                            sink.accept(k - from, id(k));
                        }
                    }
                    return true;
                });
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                "index round %d: %d ids in %d shards, %d repeated (expected <= %d) in %.2f s = %.0f ids/s; peak heap %d MB%n",
                round,
                summary.documents(),
                shards,
                summary.duplicates(),
                expectedRepeats[0],
                seconds,
                summary.documents() / seconds,
                peakHeap() >> 20);
    }

    /** An id of about 24 characters, as corpora have (a prefix and a hash-like part). */
    private static String id(long k) {
        return "doc-" + Long.toHexString(k * 0x9E3779B97F4A7C15L) + "-" + k;
    }

    private static void readPass(ObjectMapper json, Path dir, int docs, int docChars) throws IOException {
        Path in = dir.resolve("in");
        int files = 8;
        List<Shard> plan = new ArrayList<>();
        long bytes = 0;
        for (int f = 0; f < files; f++) {
            Path file = in.resolve("part-" + f + ".jsonl");
            BenchSupport.writeCorpus(file, docs / files, docChars);
            plan.add(new Shard(f, List.of(new ShardFile(file.getFileName().toString(), Files.size(file)))));
            bytes += Files.size(file);
        }
        FileStorage input = new FileStorage(in);
        DocumentReaders readers = new DocumentReaders(
                "auto", new RecordDecoder(json, FieldMapping.DEFAULT), DocumentReaders.DEFAULT_MAX_LINE_BYTES);
        for (int round = 1; round <= 2; round++) {
            resetPeaks();
            long start = System.nanoTime();
            DuplicateIdIndex.Summary summary = new DuplicateIdIndex(json)
                    .ensure(
                            new FileStorage(dir.resolve("read-out-" + round)),
                            plan,
                            new ShardManifest(json).serialize(plan),
                            (shard, sink) -> {
                                try (ShardInput items =
                                        new ShardInput(input, shard, readers, RepeatedIds.NONE, consumed -> {})) {
                                    long number = 0;
                                    for (InputItem item = items.next(); item != null; item = items.next(), number++) {
                                        if (item instanceof Document d) {
                                            sink.accept(number, d.id());
                                        }
                                    }
                                }
                                return true;
                            });
            double seconds = (System.nanoTime() - start) / 1e9;
            // each file repeats the ids d0.. of the first: every shard after the first lists them all
            System.out.printf(
                    "read round %d: %d documents of %d chars (%d MB) in %.2f s = %.0f docs/s, %.0f MB/s; %d repeated; peak heap %d MB%n",
                    round,
                    summary.documents(),
                    docChars,
                    bytes >> 20,
                    seconds,
                    summary.documents() / seconds,
                    (bytes >> 20) / seconds,
                    summary.duplicates(),
                    peakHeap() >> 20);
        }
    }

    private static void resetPeaks() {
        System.gc();
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    /** The sum of the heap pools' peaks since the reset: an upper bound of the heap in use at any one time. */
    private static long peakHeap() {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed())
                .sum();
    }
}
