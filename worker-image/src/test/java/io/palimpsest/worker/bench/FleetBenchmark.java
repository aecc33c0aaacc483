package io.palimpsest.worker.bench;

import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.engine.CapacityModel;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * P1-fleet: 16 clients against 4 simulated replicas behind one round-robin address balanced per
 * TCP connection (as a Kubernetes Service does), long documents as in P1-long, and a request
 * deadline. Once with 16 of the worker's model clients, once with 16 fixed windows (what datatrove
 * does), each on fresh replicas: useful tokens/s over the fleet's useful capacity, p99 queue wait
 * (the replicas' {@code vllm:request_queue_time_seconds}), deadline expiries, and duplicated work
 * (tokens generated for abandoned requests plus tokens recomputed after preemptions).
 *
 * <p>{@code --scale N} shrinks replicas and windows together (KV for 64/N sequences, max_num_seqs
 * 256/N, windows of 500/N) so that one JVM stays within this machine's 20,000 file descriptors:
 * 16 windows of 500 through the balancer would need ~32,000 sockets. The ratios between what the
 * clients send and what the replicas hold are those of the full-size fleet.
 *
 * <pre>
 * mvn -B -q install -DskipTests
 * mvn -B -q -f worker-image/pom.xml exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.palimpsest.worker.bench.FleetBenchmark -Dexec.args="--scale 4 --seconds 90"
 * </pre>
 */
public final class FleetBenchmark {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    public static void main(String[] args) throws Exception {
        BenchArgs options = new BenchArgs(args);
        int scale = Integer.parseInt(options.get("--scale", "4"));
        int replicas = Integer.parseInt(options.get("--replicas", "4"));
        int workers = Integer.parseInt(options.get("--workers", "16"));
        int warmup = Integer.parseInt(options.get("--warmup-seconds", "60"));
        int measure = Integer.parseInt(options.get("--seconds", "90"));
        int deadline = Integer.parseInt(options.get("--deadline-seconds", "60"));
        String clients = options.get("--clients", "worker,fixed");
        options.checkAllKnown();
        int window = 500 / scale;
        LongDocuments docs = new LongDocuments(1800, 3400, LongDocumentBenchmark.MAX_TOKENS);
        int meanPrompt = LongDocumentBenchmark.meanPromptTokens(docs);
        SimConfig base = LongDocumentBenchmark.replica(64 / scale, meanPrompt);
        SimConfig cfg = base.toBuilder().maxNumSeqs(256 / scale).build();
        double fleetCapacity = replicas
                * CapacityModel.usefulCapacityTokensPerSecond(cfg, meanPrompt, LongDocumentBenchmark.MAX_TOKENS);
        System.out.printf(
                "P1-fleet: %d clients x %d replicas (scale 1/%d: max_num_seqs %d, KV %d tokens, window %d), "
                        + "deadline %d s, fleet useful capacity %.0f tok/s%n",
                workers, replicas, scale, cfg.maxNumSeqs(), cfg.kvCacheTokens(), window, deadline, fleetCapacity);
        long firstDocument = 0;
        for (String client : clients.split(",")) {
            List<ModelSimServer> sims = new ArrayList<>();
            for (int i = 0; i < replicas; i++) {
                sims.add(ModelSimServer.start(cfg.toBuilder().seed(i).build(), "127.0.0.1", 0));
            }
            List<String> urls = sims.stream().map(ModelSimServer::baseUrl).toList();
            List<LoadClients.Load> loads = new ArrayList<>();
            try (TcpRoundRobin balancer =
                    new TcpRoundRobin(sims.stream().map(ModelSimServer::port).toList())) {
                for (int w = 0; w < workers; w++) {
                    loads.add(
                            client.equals("worker")
                                    ? LoadClients.worker(
                                            balancer.baseUrl(), Duration.ofSeconds(deadline), docs, firstDocument, 256)
                                    : LoadClients.fixedWindow(
                                            balancer.baseUrl(),
                                            window,
                                            Duration.ofSeconds(deadline),
                                            docs,
                                            firstDocument));
                    firstDocument += 1_000_000;
                }
                loads.forEach(LoadClients.Load::start);
                Thread.sleep(warmup * 1000L);
                TreeMap<Double, Double> queue0 = buckets(urls, "vllm:request_queue_time_seconds_bucket");
                Measurement m = Measurement.of(urls, combined(loads), measure);
                TreeMap<Double, Double> queue1 = buckets(urls, "vllm:request_queue_time_seconds_bucket");
                System.out.printf(
                        "P1-fleet %-9s %s; useful/capacity=%.3f, p99 queue wait <= %s s, duplicated work %.0f tok/s "
                                + "(%.1f%% of generated)%n",
                        client.equals("worker") ? "worker" : "fixed-" + window,
                        m,
                        m.usefulPerSecond() / fleetCapacity,
                        p99(queue0, queue1),
                        (m.abortedTokens() + m.recomputedTokens()) / m.seconds(),
                        100 * (m.abortedTokens() + m.recomputedTokens()) / Math.max(1, m.generatedTokens()));
            } finally {
                loads.forEach(LoadClients.Load::close);
                sims.forEach(ModelSimServer::close);
            }
        }
        System.exit(0);
    }

    private static LoadClients.Load combined(List<LoadClients.Load> loads) {
        return new LoadClients.Load() {
            @Override
            public void start() {}

            @Override
            public long completions() {
                return loads.stream().mapToLong(LoadClients.Load::completions).sum();
            }

            @Override
            public long completionTokens() {
                return loads.stream()
                        .mapToLong(LoadClients.Load::completionTokens)
                        .sum();
            }

            @Override
            public long expiries() {
                return loads.stream().mapToLong(LoadClients.Load::expiries).sum();
            }

            @Override
            public int inFlight() {
                return loads.stream().mapToInt(LoadClients.Load::inFlight).sum();
            }

            @Override
            public void close() {}
        };
    }

    /** Cumulative bucket counts by upper bound, summed over the replicas. */
    static TreeMap<Double, Double> buckets(List<String> urls, String bucketSeries)
            throws IOException, InterruptedException {
        TreeMap<Double, Double> out = new TreeMap<>();
        for (String url : urls) {
            String page = HTTP.send(
                            HttpRequest.newBuilder(URI.create(url + "/metrics"))
                                    .timeout(Duration.ofSeconds(120))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            for (String line : page.split("\n")) {
                if (!line.startsWith(bucketSeries + "{")) {
                    continue;
                }
                int le = line.indexOf("le=\"");
                String bound = line.substring(le + 4, line.indexOf('"', le + 4));
                double upper = bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound);
                String[] parts = line.trim().split("\\s+");
                out.merge(upper, Double.parseDouble(parts[parts.length - 1]), Double::sum);
            }
        }
        return out;
    }

    /** The smallest bucket bound under which 99% of the window's observations fall. */
    static String p99(TreeMap<Double, Double> before, TreeMap<Double, Double> after) {
        double total = after.lastEntry().getValue() - before.getOrDefault(after.lastKey(), 0.0);
        if (total <= 0) {
            return "n/a";
        }
        for (var e : after.entrySet()) {
            if (e.getValue() - before.getOrDefault(e.getKey(), 0.0) >= 0.99 * total) {
                return e.getKey().isInfinite() ? "+Inf" : Double.toString(e.getKey());
            }
        }
        return "+Inf";
    }
}
