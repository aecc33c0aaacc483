package io.palimpsest.worker.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.palimpsest.worker.client.ClientSettings;
import io.palimpsest.worker.client.ModelClient;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A JDK HttpServer answering through {@link SaysItCloses} answers every count of bursts of them, each allowed one
 * try, as the tests' servers must: none fails unanswered over a connection the server closed without saying so.
 */
class SaysItClosesTest {

    @Test
    void burstsOfCountsAllowedOneTryEachAreAllAnswered() throws Exception {
        ObjectMapper json = new ObjectMapper();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        SaysItCloses.on(server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] bytes = "{\"count\": 3}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        }));
        server.start();
        try (ModelClient client = new ModelClient(
                ClientSettings.builder(URI.create(
                                "http://127.0.0.1:" + server.getAddress().getPort()))
                        .maxAttempts(1)
                        .requestTimeout(Duration.ofSeconds(30))
                        .build(),
                json)) {
            for (int round = 0; round < 20; round++) {
                List<CompletableFuture<Integer>> counts = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    counts.add(client.tokenize(
                            json.createObjectNode().put("model", "m").put("prompt", "text " + i)));
                }
                for (CompletableFuture<Integer> count : counts) {
                    assertEquals(3, count.get(60, TimeUnit.SECONDS));
                }
            }
            assertEquals(400, client.stats().counts.answered.sum());
            assertEquals(Map.of(), client.stats().counts.retriesByReason, "no count failed");
        } finally {
            server.stop(0);
        }
    }
}
