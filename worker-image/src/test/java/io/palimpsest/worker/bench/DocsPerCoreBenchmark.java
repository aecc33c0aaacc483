package io.palimpsest.worker.bench;

import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.cli.PalimpsestCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * P2: the worker's own cost per document. A zero-latency simulator answers at once, so the worker
 * (the jar, in its own process) is the bottleneck; documents of about 2 KB. After a warm-up, the
 * documents answered are divided by the CPU seconds the worker process used in the same interval.
 *
 * <pre>
 * mvn -B -q -f worker-image/pom.xml package -DskipTests
 * mvn -B -q -f worker-image/pom.xml exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.palimpsest.worker.bench.DocsPerCoreBenchmark
 * </pre>
 */
public final class DocsPerCoreBenchmark {

    public static void main(String[] args) throws Exception {
        BenchArgs options = new BenchArgs(args);
        int documents = Integer.parseInt(options.get("--docs", "200000"));
        int docChars = Integer.parseInt(options.get("--doc-chars", "2048"));
        int warmup = Integer.parseInt(options.get("--warmup-seconds", "15"));
        int measure = Integer.parseInt(options.get("--seconds", "30"));
        Path jar = Path.of(options.get("--jar", "worker-image/target/palimpsest.jar"));
        // a zero-latency server needs few requests in flight; the cap only bounds the adaptive limit
        String concurrency = options.get("--concurrency", "auto");
        options.checkAllKnown();
        Path dir = Files.createTempDirectory("palimpsest-p2");

        try (ModelSimServer sim = ModelSimServer.start(
                SimConfig.builder()
                        .modelName("sim")
                        .maxNumSeqs(1024)
                        .zeroLatency()
                        .requestLogCapacity(16)
                        .build(),
                "127.0.0.1",
                0)) {
            BenchSupport.writeCorpus(dir.resolve("in/corpus.jsonl"), documents, docChars);
            Path job = BenchSupport.writeJob(
                    dir.resolve("job"), dir.resolve("in"), dir.resolve("out"), sim.baseUrl(), 256, 2048, concurrency);
            if (PalimpsestCli.execute("plan", "-f", job.toString(), "--termination-log", "") != 0) {
                throw new IllegalStateException("plan failed");
            }
            List<String> urls = List.of(sim.baseUrl());
            Process worker = BenchSupport.startWorker(jar, job, dir.resolve("worker.log"), List.of());
            Thread.sleep(warmup * 1000L);
            double docsBefore = BenchSupport.scrape(urls, "vllm:request_success_total");
            Duration cpuBefore = cpu(worker);
            long start = System.nanoTime();
            while (worker.isAlive() && System.nanoTime() - start < measure * 1_000_000_000L) {
                Thread.sleep(200);
            }
            double docs = BenchSupport.scrape(urls, "vllm:request_success_total") - docsBefore;
            Duration cpuUsed = cpu(worker).minus(cpuBefore);
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuSeconds = cpuUsed.toNanos() / 1e9;
            System.out.printf(
                    "P2 doc_chars=%d docs=%.0f in %.1f s wall = %.0f docs/s; worker cpu %.1f s = %.2f cores; "
                            + "%.0f docs/s per worker core%s%n",
                    docChars,
                    docs,
                    seconds,
                    docs / seconds,
                    cpuSeconds,
                    cpuSeconds / seconds,
                    docs / cpuSeconds,
                    worker.isAlive() ? "" : " (worker finished inside the window; raise --docs)");
            worker.destroyForcibly().waitFor();
        }
        System.exit(0);
    }

    private static Duration cpu(Process process) {
        return process.info()
                .totalCpuDuration()
                .orElseThrow(() -> new IllegalStateException("no CPU time for the worker process"));
    }
}
