package io.palimpsest.sim.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.OverflowResponse;
import io.palimpsest.sim.SimClient;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.TestTexts;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The scheduler as seen from outside: batch limits, queueing, overflow and timing. */
class BatchingHttpTest {
    private static final String M = "{model_name=\"sim-model\",engine=\"0\"}";

    private static List<CompletableFuture<HttpResponse<String>>> fire(SimClient client, int n, int maxTokens)
            throws Exception {
        // a long document, so every answer outlasts the test
        String document = String.join("\n\n", TestTexts.ENGLISH);
        String body = SimClient.JSON.writeValueAsString(
                SimClient.chat("<document>" + document + "</document>").put("max_tokens", maxTokens));
        List<CompletableFuture<HttpResponse<String>>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            HttpRequest req = client.request("/v1/chat/completions")
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build();
            out.add(client.http().sendAsync(req, HttpResponse.BodyHandlers.ofString()));
        }
        return out;
    }

    private static String awaitMetrics(SimClient client, double running, double waiting) throws Exception {
        String page = "";
        for (int i = 0; i < 400; i++) {
            page = client.get("/metrics").body();
            if (SimClient.metric(page, "vllm:num_requests_running" + M) == running
                    && SimClient.metric(page, "vllm:num_requests_waiting" + M) == waiting) {
                return page;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("never saw running=" + running + " waiting=" + waiting + " in\n" + page);
    }

    @Test
    void threeTimesMaxNumSeqsInFlightShowsAFullBatchAndTheRestWaiting() throws Exception {
        int maxNumSeqs = 16;
        SimConfig cfg = SimConfig.builder()
                .maxNumSeqs(maxNumSeqs)
                .decodeStepBaseSeconds(0.02)
                .decodeStepPerSeqSeconds(0.0005)
                .prefillSecondsPerToken(0)
                .build();
        try (ModelSimServer sim = ModelSimServer.start(cfg, "127.0.0.1", 0)) {
            SimClient client = new SimClient(sim.baseUrl());
            List<CompletableFuture<HttpResponse<String>>> inFlight = fire(client, 3 * maxNumSeqs, 1000);
            String page = awaitMetrics(client, maxNumSeqs, 2 * maxNumSeqs);
            assertTrue(SimClient.metric(page, "vllm:kv_cache_usage_perc" + M) > 0);
            assertTrue(inFlight.stream().noneMatch(CompletableFuture::isDone));
        }
    }

    @Test
    void aFullQueueAnswersTheConfiguredStatus() throws Exception {
        SimConfig cfg = SimConfig.builder()
                .maxNumSeqs(2)
                .maxWaiting(3)
                .decodeStepBaseSeconds(0.05)
                .decodeStepPerSeqSeconds(0)
                .prefillSecondsPerToken(0)
                .overflowResponse(OverflowResponse.SERVICE_UNAVAILABLE)
                .build();
        try (ModelSimServer sim = ModelSimServer.start(cfg, "127.0.0.1", 0)) {
            SimClient client = new SimClient(sim.baseUrl());
            fire(client, 5, 1000);
            awaitMetrics(client, 2, 3);
            SimClient.Reply overflow = client.post("/v1/chat/completions", SimClient.chat("one more"));
            assertEquals(503, overflow.status());
        }
    }

    @Test
    void latencyFollowsPrefillAndStepTime() throws Exception {
        SimConfig cfg = SimConfig.builder()
                .maxNumSeqs(4)
                .decodeStepBaseSeconds(0.01)
                .decodeStepPerSeqSeconds(0.001)
                .prefillSecondsPerToken(0.001)
                .build();
        try (ModelSimServer sim = ModelSimServer.start(cfg, "127.0.0.1", 0)) {
            SimClient client = new SimClient(sim.baseUrl());
            var body = SimClient.JSON
                    .createObjectNode()
                    .put("prompt", "word ".repeat(99) + "word")
                    .put("max_tokens", 30)
                    .put("stream", true);
            long t0 = System.nanoTime();
            HttpResponse<InputStream> r = client.http()
                    .send(
                            client.request("/v1/completions")
                                    .header("content-type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                                    .build(),
                            HttpResponse.BodyHandlers.ofInputStream());
            // headers arrive with the first token: 10 ms + 1 ms + 100 tokens * 1 ms of prefill
            double ttft = (System.nanoTime() - t0) / 1e9;
            String all = new String(r.body().readAllBytes());
            double e2e = (System.nanoTime() - t0) / 1e9;
            assertTrue(ttft >= 0.110 && ttft < 2.0, "ttft " + ttft);
            // then 29 more steps of 11 ms
            assertTrue(e2e >= 0.110 + 29 * 0.011 && e2e < 3.0, "e2e " + e2e);
            assertTrue(all.endsWith("data: [DONE]\n\n"));
            String page = client.get("/metrics").body();
            assertEquals(1.0, SimClient.metric(page, "vllm:time_to_first_token_seconds_count" + M));
            assertEquals(100.0, SimClient.metric(page, "vllm:prompt_tokens_total" + M));
        }
    }

    @Test
    void aClientThatGoesAwayIsAbortedAndFreesItsSlot() throws Exception {
        SimConfig cfg = SimConfig.builder()
                .maxNumSeqs(4)
                .decodeStepBaseSeconds(0.02)
                .decodeStepPerSeqSeconds(0)
                .prefillSecondsPerToken(0)
                .build();
        try (ModelSimServer sim = ModelSimServer.start(cfg, "127.0.0.1", 0)) {
            SimClient client = new SimClient(sim.baseUrl());
            String document = String.join("\n\n", TestTexts.ENGLISH);
            var body = SimClient.chat("<document>" + document + "</document>").put("stream", true);
            HttpResponse<InputStream> r = client.http()
                    .send(
                            client.request("/v1/chat/completions")
                                    .header("content-type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                                    .build(),
                            HttpResponse.BodyHandlers.ofInputStream());
            assertTrue(r.body().read(new byte[64]) > 0);
            awaitMetrics(client, 1, 0);
            r.body().close();
            String page = awaitMetrics(client, 0, 0);
            assertEquals(
                    1.0,
                    SimClient.metric(
                            page,
                            "vllm:request_success_total{model_name=\"sim-model\",engine=\"0\",finished_reason=\"abort\"}"));
            assertEquals(
                    "abort",
                    sim.requestLog()
                            .last()
                            .orElseThrow()
                            .outcome()
                            .orElseThrow()
                            .finishReason());
        }
    }

    @Test
    void capacityIsStated() {
        SimConfig cfg = SimConfig.builder()
                .maxNumSeqs(64)
                .decodeStepBaseSeconds(0.02)
                .decodeStepPerSeqSeconds(0.0005)
                .build();
        try (ModelSimServer sim = ModelSimServer.start(cfg, "127.0.0.1", 0)) {
            assertEquals(64 / (0.02 + 0.0005 * 64), sim.capacityTokensPerSecond(), 1e-9);
        }
        try (ModelSimServer sim =
                ModelSimServer.start(SimConfig.builder().zeroLatency().build(), "127.0.0.1", 0)) {
            assertEquals(Double.POSITIVE_INFINITY, sim.capacityTokensPerSecond());
        }
    }
}
