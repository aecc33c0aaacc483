package io.palimpsest.operator.model.autoscale;

import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one autoscaler period costs (run on demand, figures in docs/BENCHMARKS.md):
 * parsing a vLLM /metrics page, one recommender decision, and one queue sample over many
 * replicas (model-sim instances on loopback), also with a replica that never answers.
 *
 * <pre>mvn -q -f operator/pom.xml test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.palimpsest.operator.model.autoscale.AutoscalerBench [-Dexec.args=32]</pre>
 */
public final class AutoscalerBench {

    public static void main(String[] args) throws Exception {
        int replicas = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        List<ModelSimServer> sims = new ArrayList<>();
        try {
            for (int i = 0; i < replicas; i++) {
                sims.add(ModelSimServer.start(
                        SimConfig.builder().modelName("bench").zeroLatency().build(), "127.0.0.1", 0));
            }
            String page = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(sims.get(0).baseUrl() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            parse(page);
            recommend();
            List<URI> uris = sims.stream().map(s -> URI.create(s.baseUrl())).toList();
            sample("sample of " + replicas + " replicas", uris, 200);
            try (ServerSocket silent = new ServerSocket(0)) {
                Thread acceptor = new Thread(() -> {
                    List<Socket> held = new ArrayList<>();
                    try {
                        while (true) {
                            held.add(silent.accept());
                        }
                    } catch (Exception ignored) {
                        // closed at the end of the run
                    }
                });
                acceptor.setDaemon(true);
                acceptor.start();
                List<URI> withSilent = new ArrayList<>(uris);
                withSilent.add(URI.create("http://127.0.0.1:" + silent.getLocalPort()));
                sample("sample of " + replicas + " replicas + 1 that never answers (timeout 500 ms)", withSilent, 5);
            }
        } finally {
            sims.forEach(ModelSimServer::close);
        }
    }

    private static void parse(String page) {
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            VllmMetricsText.parse(page);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            VllmMetricsText.parse(page);
        }
        double us = (System.nanoTime() - t0) / 1e3 / n;
        System.out.printf(
                "parse /metrics page (%d lines, %d bytes): %.1f us%n",
                page.lines().count(), page.length(), us);
    }

    private static void recommend() {
        ReplicaRecommender r = new ReplicaRecommender();
        ScalingPolicy p = new ScalingPolicy(
                0,
                64,
                256,
                16,
                Duration.ZERO,
                Duration.ofSeconds(300),
                Duration.ofSeconds(600),
                Duration.ofSeconds(15));
        ScalingHistory h = ScalingHistory.empty();
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        int current = 1;
        int n = 1_000_000;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            now = now.plusSeconds(15);
            int load = 2000 + (i % 40) * 100;
            Recommendation rec = r.recommend(
                    current, new QueueSample(load / 2, load / 2, current, 0, now), Backlog.ofShards(10), p, now, h);
            h = rec.history();
            current = rec.replicas();
        }
        double ns = (System.nanoTime() - t0) / (double) n;
        System.out.printf(
                "recommender decision: %.0f ns (history %d entries)%n",
                ns, h.entries().size());
    }

    private static void sample(String what, List<URI> uris, int rounds) throws Exception {
        ReplicaMetricsClient client = new ReplicaMetricsClient(Duration.ofMillis(500), Clock.systemUTC());
        for (int i = 0; i < Math.min(rounds, 20); i++) {
            client.sample(uris).get();
        }
        long[] ms = new long[rounds];
        QueueSample last = null;
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            last = client.sample(uris).get();
            ms[i] = (System.nanoTime() - t0) / 1_000;
        }
        Arrays.sort(ms);
        System.out.printf(
                "%s: p50 %.1f ms, p99 %.1f ms (scraped %d, failed %d)%n",
                what,
                ms[rounds / 2] / 1000.0,
                ms[Math.min(rounds - 1, (int) (rounds * 0.99))] / 1000.0,
                last.podsScraped(),
                last.podsFailed());
    }
}
