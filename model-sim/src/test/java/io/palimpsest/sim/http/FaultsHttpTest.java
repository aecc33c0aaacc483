package io.palimpsest.sim.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.sim.Fault;
import io.palimpsest.sim.FaultConfig;
import io.palimpsest.sim.LoggedRequest;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimClient;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.TestTexts;
import io.palimpsest.sim.text.Language;
import io.palimpsest.sim.text.Rewriter;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every fault, forced by header, plus rates and run-time reconfiguration over the admin API. */
class FaultsHttpTest {
    private static final String DOC = TestTexts.HISTORY;
    private static ModelSimServer sim;
    private static SimClient client;

    @BeforeAll
    static void start() {
        sim = ModelSimServer.start(SimConfig.zeroLatency());
        client = new SimClient(sim.baseUrl());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @AfterEach
    void noFaults() {
        sim.setFaults(FaultConfig.none());
    }

    private static SimClient.Reply withFault(String fault) throws Exception {
        return withFault(fault, SimClient.chat("Rewrite: <document>" + DOC + "</document>"));
    }

    private static SimClient.Reply withFault(String fault, ObjectNode body) throws Exception {
        return client.post("/v1/chat/completions", body, "X-Sim-Fault", fault);
    }

    private static String content(SimClient.Reply r) {
        return r.json().at("/choices/0/message/content").asText();
    }

    @Test
    void httpErrorFaults() throws Exception {
        SimClient.Reply limited = withFault("rate_limit");
        assertEquals(429, limited.status());
        assertEquals("1", limited.raw().headers().firstValue("retry-after").orElseThrow());
        assertEquals(500, withFault("server_error").status());
        assertEquals(503, withFault("unavailable").status());
        SimClient.Reply context = withFault("context_length");
        assertEquals(400, context.status());
        assertTrue(context.json().at("/error/message").asText().contains("maximum context length"));
        assertEquals(
                Fault.CONTEXT_LENGTH,
                sim.requestLog()
                        .last()
                        .orElseThrow()
                        .outcome()
                        .orElseThrow()
                        .fault()
                        .orElseThrow());
    }

    @Test
    void resetDropsTheConnectionWithoutAResponse() {
        IOException e = assertThrows(IOException.class, () -> withFault("reset"));
        assertTrue(!(e instanceof HttpTimeoutException), e.toString());
        LoggedRequest last = sim.requestLog().last().orElseThrow();
        assertEquals(0, last.outcome().orElseThrow().status());
    }

    @Test
    void hangNeverAnswersAndHoldsNoSlot() throws Exception {
        HttpRequest request = client.request("/v1/chat/completions")
                .timeout(Duration.ofMillis(300))
                .header("X-Sim-Fault", "hang")
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(SimClient.JSON.writeValueAsString(SimClient.chat("hi"))))
                .build();
        assertThrows(
                HttpTimeoutException.class, () -> client.http().send(request, HttpResponse.BodyHandlers.ofString()));
        String metrics = client.get("/metrics").body();
        assertEquals(
                0.0, SimClient.metric(metrics, "vllm:num_requests_running{model_name=\"sim-model\",engine=\"0\"}"));
    }

    @Test
    void slowStartDelaysTheFirstToken() throws Exception {
        sim.setFaults(
                FaultConfig.builder().slowStartDelay(Duration.ofMillis(400)).build());
        long t0 = System.nanoTime();
        SimClient.Reply r = withFault("slow_start");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(200, r.status());
        assertTrue(seconds >= 0.4, "took " + seconds);
        assertEquals(Rewriter.rewrite(DOC, 0), content(r));
    }

    @Test
    void degenerateOutputs() throws Exception {
        String rewrite = Rewriter.rewrite(DOC, 0);

        SimClient.Reply truncated = withFault("truncation");
        assertEquals("length", truncated.json().at("/choices/0/finish_reason").asText());
        assertTrue(rewrite.startsWith(content(truncated)) && content(truncated).length() < rewrite.length());

        ObjectNode capped =
                SimClient.chat("Rewrite: <document>" + DOC + "</document>").put("max_tokens", 120);
        SimClient.Reply loop = withFault("repetition", capped);
        assertEquals("length", loop.json().at("/choices/0/finish_reason").asText());
        assertEquals(120, loop.json().at("/usage/completion_tokens").asInt());

        assertTrue(content(withFault("refusal")).matches("(?s).*(sorry|unable|can't|cannot).*"));

        String chatty = content(withFault("preamble"));
        assertTrue(chatty.endsWith(rewrite) && !chatty.equals(rewrite), chatty);

        assertEquals(DOC, content(withFault("echo")));

        String foreign = content(withFault("wrong_language"));
        assertNotEquals(Language.ENGLISH, Language.guess(foreign));

        SimClient.Reply empty = withFault("empty");
        assertEquals("", content(empty));
        assertEquals("stop", empty.json().at("/choices/0/finish_reason").asText());
        assertEquals(0, empty.json().at("/usage/completion_tokens").asInt());
    }

    @Test
    void degenerateOutputsStreamToo() throws Exception {
        ObjectNode body = SimClient.chat("<document>" + DOC + "</document>").put("stream", true);
        List<JsonNode> events = withFault("empty", body).events();
        assertEquals(2, events.size());
        assertEquals("stop", events.get(1).at("/choices/0/finish_reason").asText());
    }

    @Test
    void unknownFaultHeaderIsABadRequestAndNoneOverridesRates() throws Exception {
        assertEquals(400, withFault("meltdown").status());
        sim.setFaults(FaultConfig.builder().rate(Fault.SERVER_ERROR, 1.0).build());
        assertEquals(
                500, client.post("/v1/chat/completions", SimClient.chat("hi")).status());
        assertEquals(200, withFault("none").status());
    }

    @Test
    void injectedRateSetOverTheAdminApiLandsWithinFourSigma() throws Exception {
        SimClient.Reply set = client.post("/admin/faults", "{\"rates\": {\"rate_limit\": 0.1}, \"seed\": 11}");
        assertEquals(200, set.status(), set.body());
        assertEquals(
                0.1, client.get("/admin/faults").json().at("/rates/rate_limit").asDouble());

        int n = 2000;
        Semaphore inFlight = new Semaphore(64);
        List<CompletableFuture<Integer>> statuses = new ArrayList<>();
        String body =
                SimClient.JSON.writeValueAsString(SimClient.chat("Rewrite: <document>Short text here.</document>"));
        for (int i = 0; i < n; i++) {
            inFlight.acquire();
            HttpRequest req = client.request("/v1/chat/completions")
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build();
            statuses.add(client.http()
                    .sendAsync(req, HttpResponse.BodyHandlers.discarding())
                    .thenApply(HttpResponse::statusCode)
                    .whenComplete((s, e) -> inFlight.release()));
        }
        long limited = statuses.stream()
                .map(CompletableFuture::join)
                .filter(s -> s == 429)
                .count();
        long ok = statuses.stream()
                .map(CompletableFuture::join)
                .filter(s -> s == 200)
                .count();
        double sigma = Math.sqrt(n * 0.1 * 0.9);
        assertTrue(Math.abs(limited - n * 0.1) < 4 * sigma, "429s: " + limited + " of " + n);
        assertEquals(n, limited + ok);
        String metrics = client.get("/metrics").body();
        assertTrue(SimClient.metric(
                        metrics,
                        "sim:faults_injected_total{model_name=\"sim-model\",engine=\"0\",fault=\"rate_limit\"}")
                >= limited);
    }
}
