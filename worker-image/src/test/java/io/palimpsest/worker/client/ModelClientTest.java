package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.palimpsest.sim.Fault;
import io.palimpsest.sim.FaultConfig;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.OutageMode;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.config.ManifestField;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ModelClientTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aBadRequestRejectsTheDocumentWithoutRetrying() throws Exception {
        try (ModelSimServer sim = sim(
                        FaultConfig.builder().rate(Fault.CONTEXT_LENGTH, 1.0).build());
                ModelClient client = new ModelClient(fast(sim), json)) {
            ExecutionException failure = assertThrows(
                    ExecutionException.class, () -> client.chat(body("hello")).get(10, TimeUnit.SECONDS));
            RejectedByModelException rejected = assertInstanceOf(RejectedByModelException.class, failure.getCause());
            assertEquals(400, rejected.status());
            assertEquals(1, sim.requestLog().completions().size(), "400 is not retried");
        }
    }

    // Request order over 8 connections is not deterministic, so the rates are kept where running out of
    // 8 attempts is negligible (0.3^8 per call): at 0.5 one run in ~70 lost a call to bad luck.
    @Test
    void rateLimitsAndServerErrorsAreRetriedUntilTheySucceed() throws Exception {
        FaultConfig faults = FaultConfig.builder()
                .rate(Fault.RATE_LIMIT, 0.2)
                .rate(Fault.SERVER_ERROR, 0.1)
                .retryAfterSeconds(0)
                .seed(3)
                .build();
        try (ModelSimServer sim = sim(faults);
                ModelClient client = new ModelClient(fast(sim), json)) {
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
        try (ModelSimServer sim = sim(FaultConfig.none());
                ModelClient client = new ModelClient(fast(sim), json)) {
            assertTrue(
                    client.chat(body("before")).get(10, TimeUnit.SECONDS).text().contains("before"));
            sim.pauseFor(Duration.ofSeconds(3), OutageMode.REFUSE_CONNECTIONS);
            List<CompletableFuture<ModelReply>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                calls.add(client.chat(body("during " + i)));
            }
            for (CompletableFuture<ModelReply> call : calls) {
                assertTrue(call.get(60, TimeUnit.SECONDS).text().contains("during"));
            }
            assertTrue(
                    client.stats().retriesByReason.get("connection").sum() < 20 * 8,
                    "retries were not burnt while the gate was closed");
        }
    }

    @Test
    void anOutageLongerThanTheBudgetMakesTheModelUnavailable() throws Exception {
        try (ModelSimServer sim = sim(FaultConfig.none());
                ModelClient client = new ModelClient(
                        fast(sim).toBuilder()
                                .requestTimeout(Duration.ofSeconds(2))
                                .maxOutage(Duration.ofSeconds(2))
                                .build(),
                        json)) {
            sim.pause(OutageMode.REFUSE_CONNECTIONS);
            List<CompletableFuture<ModelReply>> calls = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                calls.add(client.chat(body("lost " + i)));
            }
            ExecutionException failure =
                    assertThrows(ExecutionException.class, () -> calls.get(9).get(60, TimeUnit.SECONDS));
            assertInstanceOf(ModelUnavailableException.class, failure.getCause());
        }
    }

    @Test
    void aWrongKeyFailsEveryCallAtOnceNamingTheEndpointAndStatusButNotTheKey() throws Exception {
        SimConfig config = SimConfig.builder()
                .modelName("sim")
                .zeroLatency()
                .apiKey("right-key")
                .build();
        try (ModelSimServer sim = ModelSimServer.start(config, "127.0.0.1", 0);
                ModelClient client = new ModelClient(
                        fast(sim).toBuilder().apiKey(Optional.of("wrong-key")).build(), json)) {
            ExecutionException failure = assertThrows(
                    ExecutionException.class, () -> client.chat(body("one")).get(10, TimeUnit.SECONDS));
            ModelConfigException refused = assertInstanceOf(ModelConfigException.class, failure.getCause());
            assertEquals(401, refused.status());
            assertTrue(
                    refused.getMessage().contains("POST " + sim.baseUrl() + "/v1/chat/completions answered HTTP 401"),
                    refused.getMessage());
            assertTrue(refused.getMessage().contains("Unauthorized"), refused.getMessage());
            assertTrue(refused.getMessage().contains("apiKeySecretRef"), refused.getMessage());
            assertTrue(
                    refused.getMessage().contains("locally: the environment variable PALIMPSEST_MODEL_API_KEY)"),
                    "names the variable a local run reads the key from: " + refused.getMessage());
            assertFalse(refused.getMessage().contains("wrong-key"), "never the key");
            assertEquals(1, client.stats().refusedByStatus.get("http_401").sum(), "counted as refused");

            for (int i = 0; i < 20; i++) {
                ExecutionException later = assertThrows(ExecutionException.class, () -> client.chat(body("more"))
                        .get(10, TimeUnit.SECONDS));
                assertInstanceOf(ModelConfigException.class, later.getCause());
            }
            assertEquals(1, client.stats().attempts.sum(), "after the first 401 nothing more is sent");
        }
    }

    /** A 401 when no key was sent says so, not "the server did not accept the API key". */
    @Test
    void aKeyRequiredButNoneSentIsSaidSo() throws Exception {
        SimConfig config = SimConfig.builder()
                .modelName("sim")
                .zeroLatency()
                .apiKey("right-key")
                .build();
        try (ModelSimServer sim = ModelSimServer.start(config, "127.0.0.1", 0);
                ModelClient client = new ModelClient(fast(sim), json)) {
            ExecutionException failure = assertThrows(
                    ExecutionException.class, () -> client.chat(body("one")).get(10, TimeUnit.SECONDS));
            ModelConfigException refused = assertInstanceOf(ModelConfigException.class, failure.getCause());
            assertEquals(401, refused.status());
            assertTrue(
                    refused.getMessage()
                            .contains("(no API key was sent: the RewriterModel names no spec.endpoint.apiKeySecretRef,"
                                    + " so no key is read"),
                    refused.getMessage());
            assertFalse(refused.getMessage().contains("did not accept the API key"), refused.getMessage());
        }
    }

    @Test
    void anUnknownModelNameIsAJobWideRefusal() throws Exception {
        try (ModelSimServer sim = sim(FaultConfig.none());
                ModelClient client = new ModelClient(fast(sim), json)) {
            ObjectNode request = body("hello").put("model", "mistral-typo");
            ExecutionException failure = assertThrows(
                    ExecutionException.class, () -> client.chat(request).get(10, TimeUnit.SECONDS));
            ModelConfigException refused = assertInstanceOf(ModelConfigException.class, failure.getCause());
            assertEquals(404, refused.status());
            assertTrue(refused.getMessage().contains("The model `mistral-typo` does not exist."), refused.getMessage());
            assertTrue(refused.getMessage().contains("servedModelName"), refused.getMessage());
            assertEquals(StatusPolicy.MODEL_NAME, refused.about());
        }
    }

    @Test
    void aPathTheServerHasNoRouteForIsAJobWideRefusalOfTheEndpointUrlNotOfTheModelName() throws Exception {
        try (ModelSimServer sim = sim(FaultConfig.none());
                ModelClient client = new ModelClient(
                        fast(sim).toBuilder()
                                .baseUrl(URI.create(sim.baseUrl().replaceAll("/+$", "") + "/openai"))
                                .build(),
                        json)) {
            ExecutionException failure = assertThrows(
                    ExecutionException.class, () -> client.chat(body("hello")).get(10, TimeUnit.SECONDS));
            ModelConfigException refused = assertInstanceOf(ModelConfigException.class, failure.getCause());
            assertEquals(404, refused.status());
            assertTrue(refused.getMessage().contains("{\"detail\":\"Not Found\"}"), refused.getMessage());
            assertEquals(List.of(ManifestField.model("spec.endpoint.url")), refused.about());
            assertFalse(refused.getMessage().contains("servedModelName"), refused.getMessage());
        }
    }

    @Test
    void aRepeatedRefusalNamingARequestSettingIsPlacedAtTheFieldThatSetIt() throws Exception {
        SimConfig config = SimConfig.builder()
                .modelName("sim")
                .zeroLatency()
                .maxModelLen(1024)
                .build();
        Map<String, ManifestField> setBy = Map.of(
                "max_tokens", ManifestField.job("spec.recipe.prompts[2].sampling.maxTokens"),
                "temperature", ManifestField.job("spec.recipe.prompts[2].sampling.temperature"));
        try (ModelSimServer sim = ModelSimServer.start(config, "127.0.0.1", 0);
                ModelClient client = new ModelClient(
                        fast(sim).toBuilder()
                                .initialConcurrency(1)
                                .concurrencyCap(1)
                                .build(),
                        json)) {
            Throwable last = null;
            for (int i = 0; i < ModelClient.REFUSALS_THAT_ARE_THE_SAME_FOR_EVERY_DOCUMENT; i++) {
                ObjectNode request =
                        body("document " + i).put("max_tokens", 2000).put("temperature", 0.5);
                last = assertThrows(ExecutionException.class, () -> client.chat(request, setBy)
                                .get(10, TimeUnit.SECONDS))
                        .getCause();
            }
            ModelConfigException refused = assertInstanceOf(ModelConfigException.class, last);
            assertEquals(List.of(ManifestField.job("spec.recipe.prompts[2].sampling.maxTokens")), refused.about());
            assertTrue(
                    refused.getMessage().contains("spec.recipe.prompts[2].sampling.maxTokens sets"),
                    refused.getMessage());
        }
    }

    @Test
    void maxTokensAboveTheContextIsRefusedTheSameWayForEveryDocumentAndStopsTheRun() throws Exception {
        SimConfig config = SimConfig.builder()
                .modelName("sim")
                .zeroLatency()
                .maxModelLen(1024)
                .build();
        try (ModelSimServer sim = ModelSimServer.start(config, "127.0.0.1", 0);
                ModelClient client = new ModelClient(
                        fast(sim).toBuilder()
                                .initialConcurrency(1)
                                .concurrencyCap(1)
                                .build(),
                        json)) {
            List<Throwable> causes = new ArrayList<>();
            for (int i = 0; i < ModelClient.REFUSALS_THAT_ARE_THE_SAME_FOR_EVERY_DOCUMENT + 2; i++) {
                ObjectNode request = body("document " + "word ".repeat(i * 7)).put("max_tokens", 2000);
                causes.add(assertThrows(ExecutionException.class, () -> client.chat(request)
                                .get(10, TimeUnit.SECONDS))
                        .getCause());
            }
            for (int i = 0; i < ModelClient.REFUSALS_THAT_ARE_THE_SAME_FOR_EVERY_DOCUMENT - 1; i++) {
                assertInstanceOf(RejectedByModelException.class, causes.get(i), "one refusal may be the document's");
            }
            ModelConfigException refused = assertInstanceOf(
                    ModelConfigException.class,
                    causes.get(ModelClient.REFUSALS_THAT_ARE_THE_SAME_FOR_EVERY_DOCUMENT - 1));
            assertTrue(refused.getMessage().contains("maximum context length is 1024"), refused.getMessage());
            assertInstanceOf(ModelConfigException.class, causes.get(causes.size() - 1));
        }
    }

    /**
     * Two variants, one of whose settings the server refuses for every request (its maxTokens above the context) while
     * the other's are answered: the answers to the one say nothing of the other's settings, so its refusals are still
     * the job's, where the first answer made every later refusal a document's and each document was rejected in that
     * variant.
     */
    @Test
    void aSettingRefusedForEveryRequestIsTheJobsThoughRequestsWithOtherSettingsAreAnswered() throws Exception {
        SimConfig config = SimConfig.builder()
                .modelName("sim")
                .zeroLatency()
                .maxModelLen(1024)
                .build();
        try (ModelSimServer sim = ModelSimServer.start(config, "127.0.0.1", 0);
                ModelClient client = new ModelClient(
                        fast(sim).toBuilder()
                                .initialConcurrency(1)
                                .concurrencyCap(1)
                                .build(),
                        json)) {
            List<Throwable> refusals = new ArrayList<>();
            for (int i = 0; i < ModelClient.REFUSALS_THAT_ARE_THE_SAME_FOR_EVERY_DOCUMENT; i++) {
                ObjectNode answered = body("document " + i).put("max_tokens", 100);
                assertTrue(
                        client.chat(answered).get(10, TimeUnit.SECONDS).text().contains("document " + i));
                ObjectNode refused = body("document " + i).put("max_tokens", 2000);
                refusals.add(assertThrows(ExecutionException.class, () -> client.chat(refused)
                                .get(10, TimeUnit.SECONDS))
                        .getCause());
            }
            for (int i = 0; i < ModelClient.REFUSALS_THAT_ARE_THE_SAME_FOR_EVERY_DOCUMENT - 1; i++) {
                assertInstanceOf(RejectedByModelException.class, refusals.get(i), "one refusal may be the document's");
            }
            ModelConfigException refused = assertInstanceOf(
                    ModelConfigException.class, refusals.get(refusals.size() - 1), "the 8th with those settings");
            assertTrue(refused.getMessage().contains("maximum context length is 1024"), refused.getMessage());
        }
    }

    /**
     * Counts answered between refusals of counts: the refusals are the documents', as the answers show the count's
     * settings work, where with nothing to end the run of refusals the eighth, however far apart, stopped the job.
     */
    @Test
    void countRefusalsBetweenAnsweredCountsStayTheDocuments() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            boolean refused = request.contains("unwelcome");
            byte[] answer = (refused
                            ? "{\"error\":{\"message\":\"this document cannot be counted (" + request.length()
                                    + " bytes)\"}}"
                            : "{\"count\":5}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(refused ? 400 : 200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        try (ModelClient client = new ModelClient(
                ClientSettings.builder(URI.create(
                                "http://127.0.0.1:" + server.getAddress().getPort()))
                        .initialConcurrency(1)
                        .concurrencyCap(1)
                        .requestTimeout(Duration.ofSeconds(5))
                        .maxOutage(Duration.ofSeconds(30))
                        .backoffBase(Duration.ofMillis(50))
                        .backoffCap(Duration.ofMillis(500))
                        .probeEvery(Duration.ofMillis(200))
                        .build(),
                json)) {
            for (int i = 0; i < ModelClient.REFUSALS_THAT_ARE_THE_SAME_FOR_EVERY_DOCUMENT + 2; i++) {
                ObjectNode counted = json.createObjectNode().put("model", "sim").put("prompt", "a welcome text " + i);
                assertEquals(5, client.tokenize(counted).get(10, TimeUnit.SECONDS));
                ObjectNode refused = json.createObjectNode().put("model", "sim").put("prompt", "unwelcome " + i);
                assertInstanceOf(
                        RejectedByModelException.class,
                        assertThrows(ExecutionException.class, () -> client.tokenize(refused)
                                        .get(10, TimeUnit.SECONDS))
                                .getCause(),
                        "refusal " + (i + 1) + " is the document's");
            }
        } finally {
            server.stop(0);
        }
    }

    /** A request with settings that were answered before is refused as the document's, however many come in a row. */
    @Test
    void refusalsOfSettingsThatWereAnsweredStayTheDocuments() throws Exception {
        SimConfig config = SimConfig.builder()
                .modelName("sim")
                .zeroLatency()
                .maxModelLen(1024)
                .build();
        try (ModelSimServer sim = ModelSimServer.start(config, "127.0.0.1", 0);
                ModelClient client = new ModelClient(
                        fast(sim).toBuilder()
                                .initialConcurrency(1)
                                .concurrencyCap(1)
                                .build(),
                        json)) {
            assertTrue(client.chat(body("short").put("max_tokens", 500))
                    .get(10, TimeUnit.SECONDS)
                    .text()
                    .contains("short"));
            for (int i = 0; i < ModelClient.REFUSALS_THAT_ARE_THE_SAME_FOR_EVERY_DOCUMENT + 2; i++) {
                ObjectNode tooLong = body("word ".repeat(700 + i)).put("max_tokens", 500);
                assertInstanceOf(
                        RejectedByModelException.class,
                        assertThrows(ExecutionException.class, () -> client.chat(tooLong)
                                        .get(10, TimeUnit.SECONDS))
                                .getCause());
            }
        }
    }

    @Test
    void aServiceUnavailableOutageWaitsAtTheGateInsteadOfSpendingRetries() throws Exception {
        // 2 tries per request: without the gate every call would fail within the first second of 503s
        try (ModelSimServer sim = sim(FaultConfig.none());
                ModelClient client = new ModelClient(
                        ClientSettings.builder(URI.create(sim.baseUrl()))
                                .requestTimeout(Duration.ofSeconds(5))
                                .maxAttempts(2)
                                .backoffBase(Duration.ofMillis(20))
                                .backoffCap(Duration.ofMillis(100))
                                .initialConcurrency(8)
                                .concurrencyCap(64)
                                .gateThreshold(4)
                                .probeEvery(Duration.ofMillis(200))
                                .maxOutage(Duration.ofSeconds(30))
                                .metricsPeriod(Duration.ofMillis(500))
                                .connectionUse(ConnectionUse.PER_REQUEST)
                                .build(),
                        json)) {
            assertTrue(
                    client.chat(body("before")).get(10, TimeUnit.SECONDS).text().contains("before"));
            sim.pauseFor(Duration.ofSeconds(3), OutageMode.SERVICE_UNAVAILABLE);
            List<CompletableFuture<ModelReply>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                calls.add(client.chat(body("during " + i)));
            }
            for (CompletableFuture<ModelReply> call : calls) {
                assertTrue(call.get(60, TimeUnit.SECONDS).text().contains("during"));
            }
            assertTrue(
                    client.stats().retriesByReason.get("http_503").sum() > 0,
                    "the outage was seen: " + client.stats().retriesByReason);
        }
    }

    @Test
    void aServiceUnavailableOutageLongerThanTheLimitMakesTheModelUnavailable() throws Exception {
        try (ModelSimServer sim = sim(FaultConfig.none());
                ModelClient client = new ModelClient(
                        fast(sim).toBuilder()
                                .requestTimeout(Duration.ofSeconds(2))
                                .maxOutage(Duration.ofSeconds(2))
                                .build(),
                        json)) {
            sim.pause(OutageMode.SERVICE_UNAVAILABLE);
            List<CompletableFuture<ModelReply>> calls = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                calls.add(client.chat(body("lost " + i)));
            }
            ExecutionException failure =
                    assertThrows(ExecutionException.class, () -> calls.get(9).get(60, TimeUnit.SECONDS));
            ModelUnavailableException unavailable =
                    assertInstanceOf(ModelUnavailableException.class, failure.getCause());
            assertTrue(unavailable.getMessage().contains("HTTP 503"), unavailable.getMessage());
        }
    }

    private static ModelSimServer sim(FaultConfig faults) {
        return ModelSimServer.start(
                SimConfig.builder()
                        .modelName("sim")
                        .zeroLatency()
                        .faults(faults)
                        .build(),
                "127.0.0.1",
                0);
    }

    private static ClientSettings fast(ModelSimServer sim) {
        return ClientSettings.builder(URI.create(sim.baseUrl()))
                .initialConcurrency(8)
                .concurrencyCap(64)
                .requestTimeout(Duration.ofSeconds(5))
                .maxOutage(Duration.ofSeconds(30))
                .backoffBase(Duration.ofMillis(50))
                .backoffCap(Duration.ofMillis(500))
                .probeEvery(Duration.ofMillis(200))
                .build();
    }

    private ObjectNode body(String text) {
        ObjectNode body = json.createObjectNode();
        body.put("model", "sim");
        body.putArray("messages")
                .addObject()
                .put("role", "user")
                .put("content", "Rewrite: <document>" + text + "</document>");
        return body;
    }
}
