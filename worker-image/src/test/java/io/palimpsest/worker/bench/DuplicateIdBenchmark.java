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
 * {@code palimpsest plan} runs it, reading JSONL documents with the workers' readers. Each part runs with one
 * thread and with {@code --threads} (default: the processors the JVM may use), alternating, and prints the
 * speed-up of the median rounds and whether the indexes written are the same, byte for byte.
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
        int threads = Integer.parseInt(
                options.get("--threads", String.valueOf(Runtime.getRuntime().availableProcessors())));
        int rounds = Integer.parseInt(options.get("--rounds", "3"));
        options.checkAllKnown();
        Path dir = Files.createTempDirectory("palimpsest-dupbench");
        ObjectMapper json = new ObjectMapper();
        System.out.printf(
                "max heap %d MB; ids held before spilling: up to %d MB; %d processors; threads 1 vs %d%n",
                Runtime.getRuntime().maxMemory() >> 20,
                Math.min(64L << 20, Runtime.getRuntime().maxMemory() / 8) >> 20,
                Runtime.getRuntime().availableProcessors(),
                threads);

        try {
            run(json, dir, ids, shards, repeated, readDocs, docChars, threads, rounds);
        } finally {
            try (var paths = Files.walk(dir)) {
                for (Path path :
                        paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    private static void run(
            ObjectMapper json,
            Path dir,
            long ids,
            int shards,
            double repeated,
            int readDocs,
            int docChars,
            int threads,
            int rounds)
            throws IOException {
        if (ids > 0) {
            indexOnly(json, dir.resolve("index-warm"), ids, shards, repeated, 0, 1); // warms the JIT
            compare(
                    "index",
                    rounds,
                    threads,
                    (round, t) ->
                            indexOnly(json, dir.resolve("index-" + round + "-" + t), ids, shards, repeated, round, t));
        }
        if (readDocs > 0) {
            readPass(json, dir, readDocs, docChars, threads, rounds);
        }
    }

    /** One measured round: its seconds, and where it wrote its index. */
    private record Timed(double seconds, Path out) {}

    @FunctionalInterface
    private interface Round {
        Timed run(int round, int threads) throws IOException;
    }

    /** Rounds with 1 thread and with {@code threads}, alternating; the speed-up of the medians, and the same index? */
    private static void compare(String part, int rounds, int threads, Round round) throws IOException {
        List<Double> one = new ArrayList<>();
        List<Double> many = new ArrayList<>();
        boolean same = true;
        for (int r = 1; r <= rounds; r++) {
            Timed single = round.run(r, 1);
            Timed multi = round.run(r, threads);
            one.add(single.seconds());
            many.add(multi.seconds());
            same &= sameFiles(single.out(), multi.out());
        }
        double a = median(one);
        double b = median(many);
        System.out.printf(
                "%s: median of %d rounds %.2f s with 1 thread, %.2f s with %d: speed-up %.2fx; indexes identical: %s%n",
                part, rounds, a, b, threads, a / b, same);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static boolean sameFiles(Path a, Path b) throws IOException {
        List<Path> left;
        List<Path> right;
        try (var files = Files.walk(a)) {
            left = files.filter(Files::isRegularFile)
                    .map(a::relativize)
                    .sorted()
                    .toList();
        }
        try (var files = Files.walk(b)) {
            right = files.filter(Files::isRegularFile)
                    .map(b::relativize)
                    .sorted()
                    .toList();
        }
        if (!left.equals(right)) {
            return false;
        }
        for (Path file : left) {
            if (Files.mismatch(a.resolve(file), b.resolve(file)) != -1) {
                return false;
            }
        }
        return true;
    }

    /** Ids made from a counter (no list kept), a share of them repeating an id of an earlier shard. */
    private static Timed indexOnly(
            ObjectMapper json, Path out, long ids, int shards, double repeated, int round, int threads)
            throws IOException {
        List<Shard> plan = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            plan.add(new Shard(i, List.of(new ShardFile("f" + i, 1))));
        }
        long perShard = ids / shards;
        java.util.concurrent.atomic.AtomicLong expectedRepeats = new java.util.concurrent.atomic.AtomicLong();
        resetPeaks();
        long start = System.nanoTime();
        DuplicateIdIndex.Summary summary = new DuplicateIdIndex(json, DuplicateIdIndex.defaultMemory(), null, threads)
                .ensure(new FileStorage(out), plan, new ShardManifest(json).serialize(plan), (shard, sink) -> {
                    Random random = new Random(round * 1_000_003L + shard.index()); // the same ids whatever the threads
                    long from = shard.index() * perShard;
                    for (long k = from; k < from + perShard; k++) {
                        if (from > 0 && random.nextDouble() < repeated) {
                            sink.accept(k - from, id((long) (random.nextDouble() * from)));
                            expectedRepeats.incrementAndGet();
                        } else {
                            sink.accept(k - from, id(k));
                        }
                    }
                    return true;
                });
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                "index round %d, %d thread(s): %d ids in %d shards, %d repeated (expected <= %d) in %.2f s = %.0f ids/s;"
                        + " peak heap %d MB%n",
                round,
                threads,
                summary.documents(),
                shards,
                summary.duplicates(),
                expectedRepeats.get(),
                seconds,
                summary.documents() / seconds,
                peakHeap() >> 20);
        return new Timed(seconds, out);
    }

    /** An id of about 24 characters, as corpora have (a prefix and a hash-like part). */
    private static String id(long k) {
        return "doc-" + Long.toHexString(k * 0x9E3779B97F4A7C15L) + "-" + k;
    }

    private static void readPass(ObjectMapper json, Path dir, int docs, int docChars, int threads, int rounds)
            throws IOException {
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
        long totalBytes = bytes;
        readRound(json, dir.resolve("read-warm"), plan, input, readers, docChars, totalBytes, 0, 1);
        compare(
                "read",
                rounds,
                threads,
                (round, t) -> readRound(
                        json,
                        dir.resolve("read-out-" + round + "-" + t),
                        plan,
                        input,
                        readers,
                        docChars,
                        totalBytes,
                        round,
                        t));
    }

    private static Timed readRound(
            ObjectMapper json,
            Path out,
            List<Shard> plan,
            FileStorage input,
            DocumentReaders readers,
            int docChars,
            long bytes,
            int round,
            int threads)
            throws IOException {
        {
            resetPeaks();
            long cpuStart = cpuNanos();
            long start = System.nanoTime();
            DuplicateIdIndex.Summary summary = new DuplicateIdIndex(
                            json, DuplicateIdIndex.defaultMemory(), null, threads)
                    .ensure(new FileStorage(out), plan, new ShardManifest(json).serialize(plan), (shard, sink) -> {
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
                    "read round %d, %d thread(s): %d documents of %d chars (%d MB) in %.2f s (%.2f s of CPU) = %.0f"
                            + " docs/s, %.0f MB/s; %d repeated; peak heap %d MB%n",
                    round,
                    threads,
                    summary.documents(),
                    docChars,
                    bytes >> 20,
                    seconds,
                    (cpuNanos() - cpuStart) / 1e9,
                    summary.documents() / seconds,
                    (bytes >> 20) / seconds,
                    summary.duplicates(),
                    peakHeap() >> 20);
            return new Timed(seconds, out);
        }
    }

    /** CPU time of the whole process (every thread, the collector's too). */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
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
