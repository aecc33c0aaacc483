package io.palimpsest.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.palimpsest.worker.client.ClientSettings;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.client.ModelReply;
import io.palimpsest.worker.testing.SaysItCloses;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A model server that answers every chat request's first attempt 503 and its second with {@code prompt} and
 * {@code completion} tokens of usage, and a real {@link ModelClient} of it: what the client counts of one
 * request it had to retry, with no document around it.
 */
final class AnsweringModel implements AutoCloseable {
    static final int PROMPT = 37;
    static final int COMPLETION = 211;

    private final HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    final ModelClient client;

    AnsweringModel() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        SaysItCloses.on(server.createContext("/", exchange -> {
            boolean chat = exchange.getRequestURI().getPath().equals("/v1/chat/completions");
            boolean fail = chat && requests.incrementAndGet() % 2 == 1;
            byte[] body = (chat
                            ? "{\"choices\":[{\"message\":{\"content\":\"rewritten\"},\"finish_reason\":\"stop\"}],"
                                    + "\"usage\":{\"prompt_tokens\":" + PROMPT + ",\"completion_tokens\":"
                                    + COMPLETION + "}}"
                            : "{}")
                    .getBytes(StandardCharsets.UTF_8);
            if (fail) {
                exchange.sendResponseHeaders(503, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        }));
        server.start();
        client = new ModelClient(
                ClientSettings.builder(URI.create(
                                "http://127.0.0.1:" + server.getAddress().getPort()))
                        .initialConcurrency(2)
                        .concurrencyCap(4)
                        .requestTimeout(Duration.ofSeconds(5))
                        .maxOutage(Duration.ofSeconds(10))
                        .backoffBase(Duration.ofMillis(10))
                        .build(),
                new ObjectMapper());
    }

    /** One request, answered after one failed attempt. */
    ModelReply ask() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode body = json.createObjectNode().put("model", "m");
        body.putArray("messages").addObject().put("role", "user").put("content", "hello");
        return client.chat(body).get(10, TimeUnit.SECONDS);
    }

    /** Attempts the server was sent. */
    int attempts() {
        return requests.get();
    }

    @Override
    public void close() {
        client.close();
        server.stop(0);
    }
}
