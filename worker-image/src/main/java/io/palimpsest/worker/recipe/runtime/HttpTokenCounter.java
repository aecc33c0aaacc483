package io.palimpsest.worker.recipe.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.client.ModelUrls;
import io.palimpsest.worker.recipe.token.TokenCounter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Exact counts from the serving engine's own tokenizer (vLLM's POST /tokenize), for recipes that
 * set tokenizer.mode: server. One round trip per count, so chunking gets slower: worth it only
 * where an estimate's 10-15% error matters (a budget right at the context length).
 */
public final class HttpTokenCounter implements TokenCounter {
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI tokenize;
    private final String model;
    private final ObjectMapper json;

    public HttpTokenCounter(URI baseUrl, String model, ObjectMapper json) {
        this.tokenize = ModelUrls.at(baseUrl, "/tokenize");
        this.model = model;
        this.json = json;
    }

    @Override
    public int count(String text) {
        try {
            byte[] body = json.writeValueAsBytes(json.createObjectNode()
                    .put("model", model)
                    .put("prompt", text)
                    .put("add_special_tokens", false));
            HttpRequest request = HttpRequest.newBuilder(tokenize)
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("POST " + tokenize + " answered " + response.statusCode());
            }
            JsonNode reply = json.readTree(response.body());
            return reply.has("count")
                    ? reply.get("count").asInt()
                    : reply.path("tokens").size();
        } catch (IOException e) {
            throw new UncheckedIOException("POST " + tokenize + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while counting tokens", e);
        }
    }
}
