package io.palimpsest.worker.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.GarbageCollectionNotificationInfo;
import io.palimpsest.worker.format.Compression;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.DocumentReaders;
import io.palimpsest.worker.format.FieldMapping;
import io.palimpsest.worker.format.RecordDecoder;
import io.palimpsest.worker.plan.Shard;
import io.palimpsest.worker.plan.ShardPlanner;
import io.palimpsest.worker.plan.ShardingPolicy;
import io.palimpsest.worker.run.DocumentProcessor;
import io.palimpsest.worker.run.ProcessedDocument;
import io.palimpsest.worker.run.RunProgress;
import io.palimpsest.worker.run.RunSettings;
import io.palimpsest.worker.run.ShardRunner;
import io.palimpsest.worker.run.VariantRecord;
import io.palimpsest.worker.storage.FileStorage;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The heap one shard's read-ahead window takes. One shard of {@code --docs} JSONL documents of each size in
 * {@code --sizes} goes through {@link ShardRunner} (reader, window, writer, checkpoint parts) to a model
 * that answers {@code --concurrency} documents at a time after {@code --latency-ms} each and holds the first
 * document for {@code --hold-seconds}, so the window fills behind it. Each case runs in JVMs of the heaps
 * in {@code --xmx}, smallest first, until one completes (a run that runs out of heap exits), once with the
 * window bounded by count alone (as before) and once by count and bytes (an eighth of the heap); it prints
 * the smallest heap that completed, the live heap after the fullest collection there, and the documents
 * per second.
 *
 * <pre>
 * mvn -B -q -pl worker-image test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * cd worker-image &amp;&amp; java -cp target/test-classes:target/classes:$(cat target/cp.txt) \
 *     io.palimpsest.worker.bench.ReadAheadBenchmark --docs 8000 --hold-seconds 10
 * </pre>
 *
 * <p>(Not through exec:java: each case's JVM takes this JVM's class path.)
 */
public final class ReadAheadBenchmark {

    private static final int CHECKPOINT_EVERY = 500;
    private static final int OUT_OF_ORDER_SLACK = 4096;

    public static void main(String[] args) throws Exception {
        BenchArgs options = new BenchArgs(args);
        String only = options.get("--case", null);
        int docs = Integer.parseInt(options.get("--docs", "8000"));
        String sizes = options.get("--sizes", "2048,11000,100000");
        int latencyMs = Integer.parseInt(options.get("--latency-ms", "20"));
        int concurrency = Integer.parseInt(options.get("--concurrency", "256"));
        int holdSeconds = Integer.parseInt(options.get("--hold-seconds", "10"));
        // the heaps each case is tried with, smallest first, until one completes
        String xmx = options.get("--xmx", "64m,96m,128m,192m,256m,384m,512m,768m,1024m,1536m");
        options.checkAllKnown();
        if (only != null) {
            String[] c = only.split(",");
            runCase(Integer.parseInt(c[0]), c[1].equals("bytes"), docs, latencyMs, concurrency, holdSeconds);
            return;
        }
        System.out.printf(
                "%d documents a shard, model: %d at a time, %d ms each, the first held %d s; heaps tried: %s%n",
                docs, concurrency, latencyMs, holdSeconds, xmx);
        System.out.printf(
                "%-10s %-12s %-16s %-22s %-10s %s%n",
                "doc chars", "window", "smallest -Xmx", "live heap peak (MB)", "docs/s", "outcome at smaller heaps");
        for (String size : sizes.split(",")) {
            for (String mode : List.of("count", "bytes")) {
                List<String> smaller = new ArrayList<>();
                String[] done = null;
                String heap = null;
                for (String tried : xmx.split(",")) {
                    String result = runChild(tried, size, mode, docs, latencyMs, concurrency, holdSeconds);
                    if (result.startsWith("committed ")) {
                        done = result.split(" ");
                        heap = tried;
                        break;
                    }
                    smaller.add(tried + ": " + result);
                }
                System.out.printf(
                        "%-10s %-12s %-16s %-22s %-10s %s%n",
                        size,
                        mode.equals("count") ? "count" : "count+bytes",
                        heap == null ? "none tried" : heap,
                        done == null ? "-" : done[1],
                        done == null ? "-" : done[2],
                        smaller.isEmpty() ? "-" : String.join("; ", smaller));
            }
        }
    }

    /** One case in a JVM of {@code xmx}: "committed peakMB docsPerSecond", or what else came of it. */
    private static String runChild(
            String xmx, String size, String mode, int docs, int latencyMs, int concurrency, int holdSeconds)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + xmx,
                "-XX:+ExitOnOutOfMemoryError",
                "-cp",
                System.getProperty("java.class.path"),
                ReadAheadBenchmark.class.getName(),
                "--case",
                size + "," + mode,
                "--docs",
                String.valueOf(docs),
                "--latency-ms",
                String.valueOf(latencyMs),
                "--concurrency",
                String.valueOf(concurrency),
                "--hold-seconds",
                String.valueOf(holdSeconds)));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes());
        child.waitFor();
        return out.lines()
                .filter(l -> l.startsWith("RESULT "))
                .findFirst()
                .map(l -> l.substring(7))
                .orElse(out.contains("OutOfMemoryError") ? "OOM" : "failed: " + tail(out));
    }

    private static String tail(String out) {
        return out.length() < 300
                ? out.strip()
                : out.substring(out.length() - 300).strip();
    }

    private static void runCase(int chars, boolean bytes, int docs, int latencyMs, int concurrency, int holdSeconds)
            throws Exception {
        AtomicLong peak = watchLiveHeap();
        Path dir = Files.createTempDirectory("palimpsest-readahead");
        BenchSupport.writeCorpus(dir.resolve("in/corpus.jsonl"), docs, chars);
        FileStorage in = new FileStorage(dir.resolve("in"));
        Shard shard =
                new ShardPlanner(new ShardingPolicy(1, null)).plan(in.list("")).get(0);
        ObjectMapper json = new ObjectMapper();
        int window = CHECKPOINT_EVERY + concurrency + OUT_OF_ORDER_SLACK;
        RunSettings settings = new RunSettings(
                0,
                "bench",
                CHECKPOINT_EVERY,
                window,
                Compression.ZSTD,
                "job",
                "uid",
                "sha256:x",
                "model",
                Files.createTempDirectory(dir, "tmp"),
                RunSettings.DEFAULT_ATTEMPTS_PER_SHARD,
                false,
                null,
                bytes ? Runtime.getRuntime().maxMemory() / 8 : Long.MAX_VALUE,
                null);
        try (SlowModel model = new SlowModel(concurrency, latencyMs, holdSeconds)) {
            long start = System.nanoTime();
            ShardRunner.Report report = new ShardRunner(
                            in,
                            new FileStorage(dir.resolve("out")),
                            new DocumentReaders("auto", new RecordDecoder(json, FieldMapping.DEFAULT), 1 << 24),
                            model,
                            settings,
                            json,
                            new RunProgress())
                    .run(shard);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.gc();
            System.out.printf(
                    "RESULT %s %.0f %.0f read=%d written=%d%n",
                    report.summary().getOutcome(),
                    peak.get() / (1024.0 * 1024),
                    report.summary().getWritten() / seconds,
                    report.summary().getRead(),
                    report.summary().getWritten());
        }
        System.exit(0);
    }

    /** The largest heap in use right after a collection (MiB figures): what the run kept at its fullest. */
    private static AtomicLong watchLiveHeap() {
        AtomicLong peak = new AtomicLong();
        Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP)
                .map(MemoryPoolMXBean::getName)
                .collect(Collectors.toSet());
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc)
                    .addNotificationListener(
                            (notification, handback) -> {
                                if (!notification
                                        .getType()
                                        .equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                                    return;
                                }
                                GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                                        (CompositeData) notification.getUserData());
                                long used = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                                        .filter(pool -> heapPools.contains(pool.getKey()))
                                        .mapToLong(pool -> pool.getValue().getUsed())
                                        .sum();
                                peak.accumulateAndGet(used, Math::max);
                            },
                            null,
                            null);
        }
        return peak;
    }

    /**
     * A model that answers {@code concurrency} documents at a time, each after {@code latencyMs}, with the
     * upper-cased text (an answer as long as the document); the first document after {@code holdSeconds}.
     */
    private static final class SlowModel implements DocumentProcessor, AutoCloseable {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
        private final ExecutorService queue = Executors.newSingleThreadExecutor();
        private final Semaphore slots;
        private final int latencyMs;
        private final int holdSeconds;
        private final AtomicLong calls = new AtomicLong();

        SlowModel(int concurrency, int latencyMs, int holdSeconds) {
            this.slots = new Semaphore(concurrency);
            this.latencyMs = latencyMs;
            this.holdSeconds = holdSeconds;
        }

        @Override
        public List<String> variants() {
            return List.of("upper");
        }

        @Override
        public CompletionStage<ProcessedDocument> process(Document document) {
            CompletableFuture<ProcessedDocument> answer = new CompletableFuture<>();
            if (calls.getAndIncrement() == 0) {
                timer.schedule(() -> answer.complete(answer(document)), holdSeconds, TimeUnit.SECONDS);
                return answer;
            }
            // queued behind the model's batch, as a real server queues what is over its concurrency
            queue.execute(() -> {
                slots.acquireUninterruptibly();
                timer.schedule(
                        () -> {
                            slots.release();
                            answer.complete(answer(document));
                        },
                        latencyMs,
                        TimeUnit.MILLISECONDS);
            });
            return answer;
        }

        private static ProcessedDocument answer(Document document) {
            ObjectNode record = JSON.createObjectNode();
            record.put("id", document.id());
            record.put("text", document.text().toUpperCase());
            return new ProcessedDocument(List.of(new VariantRecord("upper", record)), List.of(), 10, 10);
        }

        @Override
        public void close() {
            timer.shutdownNow();
            queue.shutdownNow();
        }
    }
}
