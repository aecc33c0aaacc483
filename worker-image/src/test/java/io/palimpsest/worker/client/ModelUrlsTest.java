package io.palimpsest.worker.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.palimpsest.worker.testing.SaysItCloses;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A model served under a path prefix (a gateway) is called under that prefix, never at the host's root. */
class ModelUrlsTest {

    @Test
    void pathsGoUnderTheBaseUrlsOwnPath() {
        assertEquals(
                URI.create("http://vllm:8000/v1/chat/completions"),
                ModelUrls.at(URI.create("http://vllm:8000"), "/v1/chat/completions"));
        assertEquals(
                URI.create("http://vllm:8000/v1/chat/completions"),
                ModelUrls.at(URI.create("http://vllm:8000/"), "/v1/chat/completions"));
        assertEquals(
                URI.create("https://gw.example/team-a/v1/completions"),
                ModelUrls.at(URI.create("https://gw.example/team-a"), "/v1/completions"));
        assertEquals(
                URI.create("https://gw.example/api/health"),
                ModelUrls.at(URI.create("https://gw.example/api//"), "/health"));
    }

    @Test
    void aModelBehindAGatewayPrefixIsCalledThere() throws Exception {
        List<String> paths = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        SaysItCloses.on(server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            paths.add(path);
            boolean ours = path.equals("/team-a/v1/chat/completions");
            byte[] body = (ours
                            ? "{\"choices\":[{\"message\":{\"content\":\"rewritten\"},\"finish_reason\":\"stop\"}],"
                                    + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}"
                            : path.equals("/team-a/health") ? "{}" : "{\"error\":\"no such route\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(ours || path.equals("/team-a/health") ? 200 : 404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        }));
        server.start();
        ObjectMapper json = new ObjectMapper();
        URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/team-a");
        try (ModelClient client = new ModelClient(
                ClientSettings.builder(base)
                        .initialConcurrency(2)
                        .concurrencyCap(4)
                        .requestTimeout(Duration.ofSeconds(5))
                        .maxOutage(Duration.ofSeconds(10))
                        .probeEvery(Duration.ofMillis(100))
                        .metricsPeriod(Duration.ofMillis(100))
                        .build(),
                json)) {
            ObjectNode body = json.createObjectNode().put("model", "m");
            body.putArray("messages").addObject().put("role", "user").put("content", "hello");
            assertEquals(
                    "rewritten", client.chat(body).get(10, TimeUnit.SECONDS).text());
            // the queue probe's first round, however late a loaded machine runs it
            await().atMost(Duration.ofSeconds(30)).until(() -> paths.contains("/team-a/metrics"));
        } finally {
            server.stop(0);
        }
        assertTrue(paths.contains("/team-a/v1/chat/completions"), paths.toString());
        assertTrue(paths.contains("/team-a/metrics"), paths.toString());
        assertFalse(paths.stream().anyMatch(p -> !p.startsWith("/team-a/")), "nothing at the root: " + paths);
    }
}
