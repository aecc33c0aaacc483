package io.palimpsest.sim.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import java.util.Locale;

/**
 * Shows the simulator is never the bottleneck: a zero-latency instance answers small chat
 * requests as fast as one client can send them. Passes (exit 0) at >= 2,000 requests/s.
 * Client and server share the JVM and the machine's cores, so the figure is a lower bound; the
 * client is {@link RawHttpDriver}, which costs less CPU per request than any full HTTP client.
 *
 * <pre>
 * java -cp model-sim/target/model-sim.jar io.palimpsest.sim.bench.ThroughputBenchmark \
 *   [--concurrency 64] [--warmup 3] [--seconds 10] [--max-tokens 16] [--url http://host:port]
 * </pre>
 * With {@code --url} it measures a simulator running elsewhere (e.g. the standalone jar started
 * with {@code --zero-latency}) instead of starting one.
 */
public final class ThroughputBenchmark {
    private static final double REQUIRED = 2000;

    private ThroughputBenchmark() {}

    public static void main(String[] argv) throws Exception {
        BenchArgs args = new BenchArgs(argv);
        int concurrency = args.integer("concurrency", 64);
        double warmup = args.number("warmup", 3);
        double seconds = args.number("seconds", 10);
        String url = args.string("url", null);

        ObjectNode body = new ObjectMapper().createObjectNode();
        body.put("model", "sim-model").put("max_tokens", args.integer("max-tokens", 16));
        ObjectNode message = body.putArray("messages").addObject();
        message.put("role", "user");
        message.put("content", "Rewrite the text.\n<document>\n" + BenchTexts.SHORT_DOCUMENT + "\n</document>");

        ModelSimServer sim = url == null
                ? ModelSimServer.start(SimConfig.builder().zeroLatency().build(), "127.0.0.1", 0)
                : null;
        try {
            String base = url != null ? url : sim.baseUrl();
            System.out.printf(
                    Locale.ROOT,
                    "%s: %d concurrent requests, %.0f s warm-up + %.0f s measured, %d cores%n",
                    base,
                    concurrency,
                    warmup,
                    seconds,
                    Runtime.getRuntime().availableProcessors());
            ServerThreadCpu serverCpu = ServerThreadCpu.snapshot();
            LoadResult r =
                    new RawHttpDriver(base + "/v1/chat/completions", body.toString(), concurrency).run(warmup, seconds);
            double serverSeconds = serverCpu.secondsSince();
            System.out.printf(
                    Locale.ROOT,
                    "completed %d requests in %.1f s, %d errors%n",
                    r.completed(),
                    r.seconds(),
                    r.errors());
            System.out.printf(
                    Locale.ROOT,
                    "latency p50 %.2f ms  p99 %.2f ms%n",
                    r.latencyPercentile(0.5) * 1000,
                    r.latencyPercentile(0.99) * 1000);
            System.out.printf(
                    Locale.ROOT,
                    "JVM CPU %.3f ms per request (client + simulator; %.0f requests/s per core of CPU)%n",
                    r.cpuMillisPerRequest(),
                    1000 / r.cpuMillisPerRequest());
            if (sim != null) {
                // warm-up requests are in the CPU but not in the count: a slight overestimate
                double perRequest = serverSeconds * 1e6 / (r.completed() * (warmup + seconds) / seconds);
                System.out.printf(
                        Locale.ROOT,
                        "simulator CPU %.0f us per request (its event loop; one free core serves %.0f requests/s)%n",
                        perRequest,
                        1e6 / perRequest);
            }
            System.out.printf(
                    Locale.ROOT, "throughput %.0f requests/s (required >= %.0f)%n", r.requestsPerSecond(), REQUIRED);
            boolean pass = r.requestsPerSecond() >= REQUIRED && r.errors() == 0;
            System.out.println(pass ? "PASS" : "FAIL");
            if (!pass) {
                System.exit(1);
            }
        } finally {
            if (sim != null) {
                sim.close();
            }
        }
    }
}
