package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.worker.testing.SaysItCloses;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The model's API key reaches the server as a bearer token and nothing else: no message, status or reject repeats it. */
class ModelClientApiKeyTest {

    private static final String KEY = "sk-live-0123456789abcdefghijklmnopqrstuvwxyz";

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void theLineBreakASecretFileEndsWithIsNotPartOfTheKey() throws Exception {
        try (ModelSimServer sim = ModelSimServer.start(
                        SimConfig.builder()
                                .modelName("sim")
                                .zeroLatency()
                                .apiKey(KEY)
                                .build(),
                        "127.0.0.1",
                        0);
                ModelClient client = new ModelClient(
                        settings(URI.create(sim.baseUrl()))
                                .apiKey(Optional.of(KEY + "\n"))
                                .build(),
                        json)) {
            ModelReply reply = client.chat(body()).get(10, TimeUnit.SECONDS);
            assertTrue(reply.text() != null && !reply.text().isEmpty(), "served with the key as written in the Secret");
        }
    }

    @Test
    void aKeyNoHeaderCanCarryStopsTheJobWithoutQuotingTheKey() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = server(requests, 200, "{}");
        try (ModelClient client = new ModelClient(
                settings(base(server))
                        .apiKey(Optional.of("sk-live-0123\n456789"))
                        .build(),
                json)) {
            CompletableFuture<ModelReply> call = client.chat(body());
            ExecutionException failure = assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
            ModelConfigException refused = assertInstanceOf(ModelConfigException.class, failure.getCause());
            assertTrue(
                    refused.getMessage().contains("character 13 of 19 is a control character (U+000A)"),
                    refused.getMessage());
            assertTrue(
                    refused.getMessage().contains("apiKeySecretRef (locally: PALIMPSEST_MODEL_API_KEY)"),
                    refused.getMessage());
            assertFalse(refused.getMessage().contains("sk-live"), "never the key: " + refused.getMessage());
            assertFalse(refused.getMessage().contains("456789"), "never the key: " + refused.getMessage());
            assertEquals(Optional.of(refused), client.refusal(), "the job stops (exit 78), not one document");
            assertEquals(0, requests.get(), "nothing is sent");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aKeyTheServerEchoesIsHiddenAlsoWhereTheMessageIsCutThroughIt() throws Exception {
        // 490 characters, then the key: a message cut at 500 characters ends inside the key
        String echoed = "{\"error\": \"" + "x".repeat(479) + KEY + " is not valid for this deployment\"}";
        HttpServer server = server(new AtomicInteger(), 400, echoed);
        try (ModelClient client =
                new ModelClient(settings(base(server)).apiKey(Optional.of(KEY)).build(), json)) {
            ExecutionException failure = assertThrows(
                    ExecutionException.class, () -> client.chat(body()).get(10, TimeUnit.SECONDS));
            RejectedByModelException rejected = assertInstanceOf(RejectedByModelException.class, failure.getCause());
            String shown = rejected.getMessage() + " " + rejected.body();
            assertFalse(shown.contains(KEY.substring(0, 8)), "no part of the key: " + shown);
            assertTrue(rejected.body().contains("***"), rejected.body());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aRedirectIsNeverFollowedSoTheKeyStaysWithTheEndpoint() throws Exception {
        AtomicInteger elsewhere = new AtomicInteger();
        HttpServer other = server(elsewhere, 200, "{}");
        HttpServer endpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        SaysItCloses.on(endpoint.createContext("/", exchange -> {
            exchange.getResponseHeaders()
                    .add("Location", base(other) + exchange.getRequestURI().getPath());
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().startsWith("/v1/") ? 307 : 200, -1);
            exchange.close();
        }));
        endpoint.start();
        try (ModelClient client = new ModelClient(
                settings(base(endpoint)).apiKey(Optional.of(KEY)).build(), json)) {
            ExecutionException failure = assertThrows(
                    ExecutionException.class, () -> client.chat(body()).get(10, TimeUnit.SECONDS));
            assertInstanceOf(RejectedByModelException.class, failure.getCause());
            assertTrue(
                    failure.getCause().getMessage().startsWith("HTTP 307"),
                    failure.getCause().getMessage());
            assertEquals(0, elsewhere.get(), "the redirect's target got nothing, so no key");
        } finally {
            endpoint.stop(0);
            other.stop(0);
        }
    }

    private static HttpServer server(AtomicInteger requests, int status, String reply) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        SaysItCloses.on(server.createContext("/", exchange -> {
            if (exchange.getRequestURI().getPath().startsWith("/v1/")) {
                requests.incrementAndGet();
            }
            byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(
                    exchange.getRequestURI().getPath().startsWith("/v1/") ? status : 200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        }));
        server.start();
        return server;
    }

    private static URI base(HttpServer server) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private static ClientSettings.Builder settings(URI base) {
        return ClientSettings.builder(base)
                .initialConcurrency(2)
                .concurrencyCap(4)
                .maxAttempts(1)
                .requestTimeout(Duration.ofSeconds(5))
                .maxOutage(Duration.ofSeconds(10))
                .backoffBase(Duration.ofMillis(10))
                .backoffCap(Duration.ofMillis(50))
                .probeEvery(Duration.ofMillis(200));
    }

    private ObjectNode body() {
        ObjectNode body = json.createObjectNode();
        body.put("model", "sim");
        body.putArray("messages").addObject().put("role", "user").put("content", "Rewrite: <document>a</document>");
        return body;
    }
}
