package io.palimpsest.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A thin java.net.http client for tests: JSON in, status plus parsed JSON out. */
public final class SimClient {
    public static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http;
    private final String baseUrl;

    public SimClient(String baseUrl) {
        this.baseUrl = baseUrl;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    public HttpClient http() {
        return http;
    }

    public record Reply(int status, String body, HttpResponse<String> raw) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        /** The JSON payloads of a server-sent event stream, without the final [DONE]. */
        public List<JsonNode> events() {
            List<JsonNode> out = new ArrayList<>();
            for (String block : body.split("\n\n")) {
                if (block.isBlank() || block.equals("data: [DONE]")) {
                    continue;
                }
                if (!block.startsWith("data: ")) {
                    throw new AssertionError("not an SSE data line: " + block);
                }
                try {
                    out.add(JSON.readTree(block.substring("data: ".length())));
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }
            return out;
        }
    }

    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(20));
    }

    public Reply post(String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    public Reply post(String path, JsonNode body, String... headers) throws IOException, InterruptedException {
        return post(path, JSON.writeValueAsString(body), headers);
    }

    public Reply get(String path) throws IOException, InterruptedException {
        return send(request(path).GET().build());
    }

    public Reply send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), r);
    }

    /** A one-user-turn chat request body. */
    public static ObjectNode chat(String user) {
        var body = JSON.createObjectNode();
        body.put("model", "sim-model");
        var msg = body.putArray("messages").addObject();
        msg.put("role", "user");
        msg.put("content", user);
        return body;
    }

    /** The value of one unlabelled-beyond-model_name sample in a /metrics page. */
    public static double metric(String page, String nameWithLabels) {
        for (String line : page.split("\n")) {
            if (line.startsWith(nameWithLabels + " ")) {
                return Double.parseDouble(
                        line.substring(nameWithLabels.length() + 1).trim());
            }
        }
        throw new AssertionError("no sample " + nameWithLabels + " in\n" + page);
    }
}
