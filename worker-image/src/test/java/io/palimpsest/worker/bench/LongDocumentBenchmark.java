package io.palimpsest.worker.bench;

import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.engine.CapacityModel;
import io.palimpsest.sim.text.ChatMessage;
import io.palimpsest.sim.text.ChatTemplate;
import io.palimpsest.sim.text.Tokenizer;
import java.time.Duration;
import java.util.List;

/**
 * P1-long: documents of 2-4 K prompt tokens and 1 K completion tokens on one simulated replica
 * whose KV cache holds about 64 such sequences while {@code max_num_seqs} is 256, so the cache and
 * not the batch size bounds what runs. The worker's model client and a fixed window of 500 requests
 * (what datatrove does) are measured one after the other in the same run, each on a fresh replica:
 * completion tokens that reach the client per second (generated minus generated for abandoned
 * requests, from the replica's counters) over the replica's useful capacity
 * ({@link CapacityModel#usefulCapacityTokensPerSecond}), with the preemptions and the tokens they
 * threw away and recomputed.
 *
 * <pre>
 * mvn -B -q install -DskipTests
 * mvn -B -q -f worker-image/pom.xml exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.palimpsest.worker.bench.LongDocumentBenchmark -Dexec.args="--seconds 60"
 * </pre>
 */
public final class LongDocumentBenchmark {
    static final int MAX_TOKENS = 1024;

    public static void main(String[] args) throws Exception {
        BenchArgs options = new BenchArgs(args);
        int warmup = Integer.parseInt(options.get("--warmup-seconds", "30"));
        int measure = Integer.parseInt(options.get("--seconds", "60"));
        int window = Integer.parseInt(options.get("--window", "500"));
        int kvSequences = Integer.parseInt(options.get("--kv-sequences", "64"));
        String clients = options.get("--clients", "worker,fixed");
        double prefill = Double.parseDouble(options.get("--prefill-seconds-per-token", "0.000002"));
        options.checkAllKnown();
        LongDocuments docs = new LongDocuments(1800, 3400, MAX_TOKENS);
        int meanPrompt = meanPromptTokens(docs);
        SimConfig cfg = replica(kvSequences, meanPrompt).toBuilder()
                .prefillSecondsPerToken(prefill)
                .build();
        double useful = CapacityModel.usefulCapacityTokensPerSecond(cfg, meanPrompt, MAX_TOKENS);
        System.out.printf(
                "P1-long replica: max_num_seqs %d, KV cache %d tokens (%d sequences of %d + %d), prefill %s s/token, "
                        + "useful capacity %.0f tok/s at a batch of %d%n",
                cfg.maxNumSeqs(),
                cfg.kvCacheTokens(),
                kvSequences,
                meanPrompt,
                MAX_TOKENS,
                prefill,
                useful,
                CapacityModel.batchLimit(cfg, meanPrompt + MAX_TOKENS));
        long firstDocument = 0;
        for (String client : clients.split(",")) {
            try (ModelSimServer sim = ModelSimServer.start(cfg, "127.0.0.1", 0)) {
                LoadClients.Load load = client.equals("worker")
                        ? LoadClients.worker(sim.baseUrl(), Duration.ofMinutes(10), docs, firstDocument, 4096)
                        : LoadClients.fixedWindow(sim.baseUrl(), window, Duration.ofMinutes(10), docs, firstDocument);
                firstDocument += 1_000_000;
                try (load) {
                    load.start();
                    Thread.sleep(warmup * 1000L);
                    Measurement m = Measurement.of(List.of(sim.baseUrl()), load, measure);
                    System.out.printf(
                            "P1-long %-6s %s useful/capacity=%.3f%n",
                            client.equals("worker") ? "worker" : "fixed-" + window, m, m.usefulPerSecond() / useful);
                }
            }
        }
        System.exit(0);
    }

    static SimConfig replica(int kvSequences, int meanPrompt) {
        // A short step (5 ms + 0.1 ms per sequence + 5 ns per token of context) so that a 1 K-token
        // generation lasts ~13 s and a run of a few minutes holds many generations; prefill as in P1.
        return SimConfig.builder()
                .modelName("sim")
                .maxNumSeqs(256)
                .maxModelLen(8192)
                .kvCacheTokens((long) kvSequences * (meanPrompt + MAX_TOKENS))
                .decodeStepBaseSeconds(0.005)
                .decodeStepPerSeqSeconds(0.0001)
                .stepPerContextTokenSeconds(5e-9)
                .prefillSecondsPerToken(0.000002)
                .build();
    }

    static int meanPromptTokens(LongDocuments docs) {
        long total = 0;
        int n = 200;
        for (int i = 0; i < n; i++) {
            String text = "<document>\n" + docs.text(i) + "\n</document>";
            total += Tokenizer.count(ChatTemplate.render(
                    List.of(new ChatMessage("system", LongDocuments.SYSTEM), new ChatMessage("user", text)), true));
        }
        return (int) (total / n);
    }
}
