package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.sim.Fault;
import io.palimpsest.sim.FaultConfig;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.OutageMode;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.run.ModelUnavailableException;
import org.junit.jupiter.api.Test;

class ModelClientTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aBadRequestRejectsTheDocumentWithoutRetrying() throws Exception {
        try (ModelSimServer sim = sim(FaultConfig.builder().rate(Fault.CONTEXT_LENGTH, 1.0).build());
             ModelClient client = new ModelClient(fast(sim), json)) {
            ExecutionException failure = assertThrows(ExecutionException.class, () -> client.chat(body("hello")).get(10, TimeUnit.SECONDS));
            RejectedByModelException rejected = assertInstanceOf(RejectedByModelException.class, failure.getCause());
            assertEquals(400, rejected.status());
            assertEquals(1, sim.requestLog().completions().size(), "400 is not retried");
        }
    }

    // Request order over 8 connections is not deterministic, so the rates are kept where running out of
    // 8 attempts is negligible (0.3^8 per call): at 0.5 one run in ~70 lost a call to bad luck.
    @Test
    void rateLimitsAndServerErrorsAreRetriedUntilTheySucceed() throws Exception {
        FaultConfig faults = FaultConfig.builder().rate(Fault.RATE_LIMIT, 0.2).rate(Fault.SERVER_ERROR, 0.1)
                .retryAfterSeconds(0).seed(3).build();
        try (ModelSimServer sim = sim(faults); ModelClient client = new ModelClient(fast(sim), json)) {
            List<CompletableFuture<ModelReply>> calls = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                calls.add(client.chat(body("document number " + i)));
            }
            for (CompletableFuture<ModelReply> call : calls) {
                assertTrue(call.get(60, TimeUnit.SECONDS).text().contains("document"));
            }
            assertTrue(client.stats().totalRetries() > 5, "retries happened: " + client.stats().retriesByReason);
        }
    }

    @Test
    void anOutageClosesTheGateAndTheCallsResumeAfterIt() throws Exception {
        try (ModelSimServer sim = sim(FaultConfig.none()); ModelClient client = new ModelClient(fast(sim), json)) {
            assertTrue(client.chat(body("before")).get(10, TimeUnit.SECONDS).text().contains("before"));
            sim.pauseFor(Duration.ofSeconds(3), OutageMode.REFUSE_CONNECTIONS);
            List<CompletableFuture<ModelReply>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                calls.add(client.chat(body("during " + i)));
            }
            for (CompletableFuture<ModelReply> call : calls) {
                assertTrue(call.get(60, TimeUnit.SECONDS).text().contains("during"));
            }
            assertTrue(client.stats().retriesByReason.get("connection").sum() < 20 * 8, "retries were not burnt while the gate was closed");
        }
    }

    @Test
    void anOutageLongerThanTheBudgetMakesTheModelUnavailable() throws Exception {
        try (ModelSimServer sim = sim(FaultConfig.none());
             ModelClient client = new ModelClient(fast(sim).withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2)), json)) {
            sim.pause(OutageMode.REFUSE_CONNECTIONS);
            List<CompletableFuture<ModelReply>> calls = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                calls.add(client.chat(body("lost " + i)));
            }
            ExecutionException failure = assertThrows(ExecutionException.class, () -> calls.get(9).get(60, TimeUnit.SECONDS));
            assertInstanceOf(ModelUnavailableException.class, failure.getCause());
        }
    }

    private static ModelSimServer sim(FaultConfig faults) {
        return ModelSimServer.start(SimConfig.builder().modelName("sim").zeroLatency().faults(faults).build(), "127.0.0.1", 0);
    }

    private static ClientSettings fast(ModelSimServer sim) {
        return ClientSettings.defaults(URI.create(sim.baseUrl())).withConcurrency(8, 64)
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(30))
                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(500), Duration.ofMillis(200));
    }

    private ObjectNode body(String text) {
        ObjectNode body = json.createObjectNode();
        body.put("model", "sim");
        body.putArray("messages").addObject().put("role", "user").put("content", "Rewrite: <document>" + text + "</document>");
        return body;
    }
}
