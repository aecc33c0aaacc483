package io.palimpsest.sim.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.engine.CapacityModel;
import java.util.Locale;

/**
 * Drives an in-process simulator with more streams than its batch holds and compares the
 * tokens/s the clients receive with {@link CapacityModel}'s stated capacity. Passes (exit 0)
 * when the ratio is within [0.9, 1.05].
 *
 * <pre>
 * java -cp model-sim/target/model-sim.jar io.palimpsest.sim.bench.CapacityBenchmark \
 *   [--max-num-seqs 128] [--step-base 0.015] [--step-per-seq 0.0002] [--prefill 0.000005] \
 *   [--concurrency 256] [--max-tokens 256] [--warmup 5] [--seconds 20]
 * </pre>
 * The prompt is a ~300-word document, so prefill is paid as in real use; its cost is small next
 * to decode, which is what the stated (decode) capacity counts.
 */
public final class CapacityBenchmark {
    private CapacityBenchmark() {}

    public static void main(String[] argv) throws Exception {
        BenchArgs args = new BenchArgs(argv);
        int maxNumSeqs = args.integer("max-num-seqs", 128);
        SimConfig config = SimConfig.builder()
                .maxNumSeqs(maxNumSeqs)
                .decodeStepBaseSeconds(args.number("step-base", 0.015))
                .decodeStepPerSeqSeconds(args.number("step-per-seq", 0.0002))
                .prefillSecondsPerToken(args.number("prefill", 0.000005))
                .build();
        int concurrency = args.integer("concurrency", 2 * maxNumSeqs);
        int maxTokens = args.integer("max-tokens", 256);
        double warmup = args.number("warmup", 5);
        double seconds = args.number("seconds", 20);

        ObjectNode body = new ObjectMapper().createObjectNode();
        body.put("prompt", "Rewrite this document.\n<document>\n" + BenchTexts.longDocument() + "\n</document>");
        body.put("max_tokens", maxTokens).put("stream", true);

        try (ModelSimServer sim = ModelSimServer.start(config, "127.0.0.1", 0)) {
            double capacity = sim.capacityTokensPerSecond();
            System.out.println(CapacityModel.formula(config));
            System.out.printf(
                    Locale.ROOT,
                    "driving %d concurrent streams, max_tokens %d, %.0f s warm-up + %.0f s measured%n",
                    concurrency,
                    maxTokens,
                    warmup,
                    seconds);
            LoadResult r = new LoadDriver(sim.baseUrl() + "/v1/completions", body.toString(), true, concurrency)
                    .run(warmup, seconds);
            double ratio = r.tokensPerSecond() / capacity;
            System.out.printf(Locale.ROOT, "stated capacity   %.1f tokens/s%n", capacity);
            System.out.printf(
                    Locale.ROOT,
                    "achieved          %.1f tokens/s (%d token events in %.1f s, %d requests done, %d errors)%n",
                    r.tokensPerSecond(),
                    r.tokenEvents(),
                    r.seconds(),
                    r.completed(),
                    r.errors());
            System.out.printf(
                    Locale.ROOT,
                    "latency p50 %.2f s  p99 %.2f s%n",
                    r.latencyPercentile(0.5),
                    r.latencyPercentile(0.99));
            System.out.printf(Locale.ROOT, "achieved / capacity = %.3f (required 0.90 .. 1.05)%n", ratio);
            if (ratio < 0.9 || ratio > 1.05) {
                System.out.println("FAIL");
                System.exit(1);
            }
            System.out.println("PASS");
        }
    }
}
