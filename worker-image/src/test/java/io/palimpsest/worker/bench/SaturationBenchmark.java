package io.palimpsest.worker.bench;

import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.cli.PalimpsestCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * P1: how close one worker keeps simulated vLLM replicas to their capacity. Starts {@code --sims}
 * simulators (max-num-seqs 256, the default latency model), behind one TCP round-robin address when
 * more than one, runs the worker jar on a shard large enough to outlast the measurement, and after a
 * warm-up compares generated tokens/s (the servers' own counters) with the servers' capacity.
 *
 * <pre>
 * mvn -B -q -f worker-image/pom.xml package -DskipTests
 * mvn -B -q -f worker-image/pom.xml exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.palimpsest.worker.bench.SaturationBenchmark -Dexec.args="--sims 4"
 * </pre>
 */
public final class SaturationBenchmark {

    public static void main(String[] args) throws Exception {
        BenchArgs options = new BenchArgs(args);
        int sims = Integer.parseInt(options.get("--sims", "1"));
        int maxNumSeqs = Integer.parseInt(options.get("--max-num-seqs", "256"));
        int warmup = Integer.parseInt(options.get("--warmup-seconds", "30"));
        int measure = Integer.parseInt(options.get("--seconds", "60"));
        int docChars = Integer.parseInt(options.get("--doc-chars", "1200"));
        // the simulator's stated capacity counts decode only; its default prefill (1e-4 s/token) would make
        // every admitted 300-token prompt stall the batch for 30 ms. 2e-6 s/token is an H100-class prefill.
        double prefill = Double.parseDouble(options.get("--prefill-seconds-per-token", "0.000002"));
        Path jar = Path.of(options.get("--jar", "worker-image/target/palimpsest.jar"));
        options.checkAllKnown();
        Path dir = Files.createTempDirectory("palimpsest-p1");

        List<ModelSimServer> servers = new ArrayList<>();
        List<String> urls = new ArrayList<>();
        double capacity = 0;
        for (int i = 0; i < sims; i++) {
            ModelSimServer sim = ModelSimServer.start(
                    SimConfig.builder()
                            .modelName("sim")
                            .maxNumSeqs(maxNumSeqs)
                            .prefillSecondsPerToken(prefill)
                            .seed(i)
                            .build(),
                    "127.0.0.1",
                    0);
            servers.add(sim);
            urls.add(sim.baseUrl());
            capacity += sim.capacityTokensPerSecond();
        }
        TcpRoundRobin balancer = sims > 1
                ? new TcpRoundRobin(servers.stream().map(ModelSimServer::port).toList())
                : null;
        String endpoint = balancer != null ? balancer.baseUrl() : urls.get(0);

        int tokensPerDoc = docChars / 4;
        int documents = (int) (capacity * (warmup + measure + 30) / tokensPerDoc * 1.5);
        BenchSupport.writeCorpus(dir.resolve("in/corpus.jsonl"), documents, docChars);
        Path job = BenchSupport.writeJob(
                dir.resolve("job"), dir.resolve("in"), dir.resolve("out"), endpoint, maxNumSeqs, 4 * tokensPerDoc);
        if (PalimpsestCli.execute("plan", "-f", job.toString(), "--termination-log", "") != 0) {
            throw new IllegalStateException("plan failed");
        }
        Process worker = BenchSupport.startWorker(jar, job, dir.resolve("worker.log"), List.of());
        try {
            Thread.sleep(warmup * 1000L);
            double tokensBefore = BenchSupport.scrape(urls, "vllm:generation_tokens_total");
            long start = System.nanoTime();
            double runningSum = 0;
            double waitingSum = 0;
            int samples = 0;
            while (System.nanoTime() - start < measure * 1_000_000_000L) {
                Thread.sleep(1000);
                runningSum += BenchSupport.scrape(urls, "vllm:num_requests_running");
                waitingSum += BenchSupport.scrape(urls, "vllm:num_requests_waiting");
                samples++;
            }
            double tokens = BenchSupport.scrape(urls, "vllm:generation_tokens_total") - tokensBefore;
            double seconds = (System.nanoTime() - start) / 1e9;
            double achieved = tokens / seconds;
            System.out.printf(
                    "P1 sims=%d max_num_seqs=%d capacity=%.0f tok/s achieved=%.0f tok/s saturation=%.3f "
                            + "mean_running=%.1f mean_waiting=%.1f (per sim: %.1f running, %.1f waiting) warmup=%ds measured=%.0fs docs_in_corpus=%d%n",
                    sims,
                    maxNumSeqs,
                    capacity,
                    achieved,
                    achieved / capacity,
                    runningSum / samples,
                    waitingSum / samples,
                    runningSum / samples / sims,
                    waitingSum / samples / sims,
                    warmup,
                    seconds,
                    documents);
            if (!worker.isAlive()) {
                System.out.println(
                        "warning: the worker ended before the measurement did; see " + dir.resolve("worker.log"));
            }
        } finally {
            worker.destroyForcibly().waitFor();
            if (balancer != null) {
                balancer.close();
            }
            servers.forEach(ModelSimServer::close);
        }
        System.exit(0);
    }
}
