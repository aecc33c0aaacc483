package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the check before the plan refuses, against a server whose answers each test sets by path: only answers the
 * first model call would get too; an endpoint that may work (a gateway without {@code /v1/models}, a wildcard route)
 * is left to that call.
 */
class ModelEndpointCheckTest {

    private record Reply(int status, String body) {}

    private final Map<String, Reply> replies = new ConcurrentHashMap<>();
    private final Map<String, String> keysSeen = new ConcurrentHashMap<>();
    private HttpServer server;
    private URI base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            keysSeen.put(path, String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            Reply reply = replies.getOrDefault(path, new Reply(404, "{\"detail\":\"Not Found\"}"));
            byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private Optional<ModelEndpointCheck.Refusal> check(String name) {
        return new ModelEndpointCheck(base, name, Optional.empty(), Optional.empty()).check();
    }

    private static String list(List<String> ids) {
        return "{\"object\":\"list\",\"data\":["
                + ids.stream()
                        .map(id -> "{\"id\":\"" + id + "\",\"object\":\"model\",\"owned_by\":\"vllm\"}")
                        .collect(Collectors.joining(","))
                + "]}";
    }

    @Test
    void aNameInTheListPassesAndOneMissingIsRefusedWithTheListCapped() {
        List<String> served =
                IntStream.range(0, 12).mapToObj(i -> "model-number-" + i).toList();
        replies.put("/v1/models", new Reply(200, list(served)));
        assertEquals(Optional.empty(), check("model-number-7"));

        ModelEndpointCheck.Refusal refused = check("llama").orElseThrow();
        assertEquals(StatusPolicy.MODEL_NAME, refused.about());
        assertTrue(
                refused.message()
                        .contains(
                                "lists 12 models without it; it serves model-number-0, model-number-1, model-number-2,"
                                        + " model-number-3, model-number-4, model-number-5, model-number-6, model-number-7,"
                                        + " model-number-8, model-number-9 and 2 more"),
                refused.message());

        ModelEndpointCheck.Refusal near = check("Model-Number-1").orElseThrow();
        assertTrue(near.message().contains("did you mean 'model-number-1'?"), near.message());
    }

    @Test
    void anEmptyListOrAWildcardSaysNothingOfTheName() {
        replies.put("/v1/models", new Reply(200, list(List.of())));
        assertEquals(Optional.empty(), check("anything"));
        replies.put("/v1/models", new Reply(200, list(List.of("gpt-*"))));
        assertEquals(Optional.empty(), check("anything"));
    }

    @Test
    void withoutAModelListTheCompletionRoutesDecide() {
        // a gateway without /v1/models whose chat route exists: it refuses an empty conversation, and is not refused
        replies.put("/v1/chat/completions", new Reply(400, "{\"error\":{\"message\":\"messages: too short\"}}"));
        assertEquals(Optional.empty(), check("m"));

        // a server that serves raw completions alone
        replies.put("/v1/chat/completions", new Reply(404, "{\"detail\":\"Not Found\"}"));
        replies.put("/v1/completions", new Reply(400, "{\"error\":{\"message\":\"prompt is empty\"}}"));
        assertEquals(Optional.empty(), check("m"));

        // no route at this path at all: the URL
        replies.remove("/v1/completions");
        ModelEndpointCheck.Refusal path = check("m").orElseThrow();
        assertEquals(List.of(StatusPolicy.ENDPOINT_URL), path.about());
        assertTrue(
                path.message()
                        .contains("does not lead to an OpenAI-compatible API: GET " + base
                                + "/v1/models answered HTTP 404, POST " + base
                                + "/v1/chat/completions answered HTTP 404 and"
                                + " POST " + base + "/v1/completions answered HTTP 404"),
                path.message());

        // the chat route answering that it does not know the model: the name, in the server's words
        replies.put(
                "/v1/chat/completions",
                new Reply(
                        404, "{\"error\":{\"message\":\"The model `m` does not exist.\",\"type\":\"NotFoundError\"}}"));
        ModelEndpointCheck.Refusal name = check("m").orElseThrow();
        assertEquals(StatusPolicy.MODEL_NAME, name.about());
        assertTrue(name.message().contains("The model `m` does not exist."), name.message());

        // a page that is no list (a web application at that path) is no model list either
        replies.put("/v1/models", new Reply(200, "<html>welcome</html>"));
        replies.put("/v1/chat/completions", new Reply(405, ""));
        assertEquals(
                List.of(StatusPolicy.ENDPOINT_URL), check("m").orElseThrow().about());
    }

    @Test
    void anAnswerThatCannotTellLeavesTheEndpointToTheFirstCall() {
        replies.put("/v1/models", new Reply(500, "oops"));
        replies.put("/v1/chat/completions", new Reply(503, ""));
        assertEquals(Optional.empty(), check("m"));
    }

    @Test
    void theKeyTheCallsSendIsSentAndItsRefusalIsTheFirstCallsOwn() {
        replies.put("/v1/models", new Reply(401, "{\"error\":\"Unauthorized\"}"));
        ModelEndpointCheck.Refusal none = check("m").orElseThrow();
        assertEquals(StatusPolicy.fields(401, ""), none.about());
        assertTrue(
                none.message()
                        .startsWith("the model server refused the job's requests: GET " + base
                                + "/v1/models answered HTTP 401"),
                none.message());
        assertTrue(none.message().contains("no API key was sent"), none.message());

        replies.put("/v1/models", new Reply(403, "{\"error\":\"forbidden for key sk-secret-1\"}"));
        ModelEndpointCheck.Refusal forbidden = new ModelEndpointCheck(
                        base, "m", Optional.of(" sk-secret-1\n"), Optional.of("PALIMPSEST_MODEL_API_KEY"))
                .check()
                .orElseThrow();
        assertEquals("Bearer sk-secret-1", keysSeen.get("/v1/models"));
        assertEquals(List.of(StatusPolicy.API_KEY), forbidden.about());
        assertTrue(forbidden.message().contains("the API key is not allowed"), forbidden.message());
        assertTrue(!forbidden.message().contains("sk-secret-1"), forbidden.message());

        keysSeen.clear();
        ModelEndpointCheck.Refusal broken = new ModelEndpointCheck(
                        base, "m", Optional.of("sk-se\ncret"), Optional.of("PALIMPSEST_MODEL_API_KEY"))
                .check()
                .orElseThrow();
        assertTrue(broken.message().startsWith("the model's API key cannot be sent"), broken.message());
        assertEquals(List.of(StatusPolicy.API_KEY), broken.about());
        assertTrue(keysSeen.isEmpty(), "nothing sent");
    }
}
