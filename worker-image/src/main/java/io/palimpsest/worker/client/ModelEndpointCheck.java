package io.palimpsest.worker.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.lint.CrdSchema;
import io.palimpsest.worker.config.ManifestField;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Before anything is planned: does the endpoint lead to an OpenAI-compatible API, and does it serve the model under
 * the name the requests give it? Found here, a wrong path or name stops the run before it plans or writes anything,
 * where the first model call would find it only after planning.
 *
 * <p>It refuses only on an answer the first call would also get, so that an endpoint that works is never refused:
 *
 * <ul>
 *   <li>{@code GET /v1/models} answers a list of models (vLLM's and OpenAI's {@code {"data": [{"id": ...}]}}) without
 *       the name: the model's name is refused, with the nearest listed name or the list. An empty list or one with a
 *       wildcard ({@code *}, as some gateways route any name) says nothing of the name, and is left to the first
 *       call.</li>
 *   <li>It answers 401, 403 or 407: the key the model calls send (sent here too) is refused, in their words.</li>
 *   <li>It answers anything else (404, 405, a page that is not a list): some gateways serve completions without
 *       {@code /v1/models}, so that alone refuses nothing. A request to {@code /v1/chat/completions} with no messages
 *       is sent instead (a server that has the route answers it 400 or 422 without generating): a 404 naming the model
 *       refuses the name; a 404 of the path, 405 or 501 (the first call would be refused the same) refuses the
 *       endpoint URL, unless {@code /v1/completions} answers otherwise (a server without the chat route). Any other
 *       answer, or none, leaves the endpoint to the first call.</li>
 * </ul>
 */
public final class ModelEndpointCheck {

    /** The served names a refusal lists at most. */
    static final int LISTED_AT_MOST = 10;

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What the check refuses, in the words of the first call's refusal where it is the same answer.
     *
     * @param about the RewriterModel fields to fix, the first one the manifest writes named with its line
     */
    public record Refusal(String message, List<ManifestField> about) {}

    private final HttpClient http;
    private final URI base;
    private final String modelName;
    private final Optional<String> apiKey;
    private final Optional<String> apiKeyVariable;

    /**
     * @param apiKey         the key the model calls send (read as theirs: stripped, blank is none)
     * @param apiKeyVariable the environment variable it is read from, when the model names one
     */
    public ModelEndpointCheck(URI base, String modelName, Optional<String> apiKey, Optional<String> apiKeyVariable) {
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        this.base = base;
        this.modelName = modelName;
        this.apiKey = apiKey.map(String::strip).filter(key -> !key.isEmpty());
        this.apiKeyVariable = apiKeyVariable;
    }

    /** The refusal, or empty when the endpoint may serve the model (or its answers do not tell). */
    public Optional<Refusal> check() {
        Optional<ModelConfigException> unsendable = apiKey.flatMap(ModelClient::unsendable);
        if (unsendable.isPresent()) {
            // nothing is sent with a key a header cannot carry: the model calls refuse it in these words
            return Optional.of(
                    new Refusal(unsendable.get().getMessage(), unsendable.get().about()));
        }
        Optional<Answer> models = send(get("/v1/models"));
        if (models.isEmpty()) {
            return Optional.empty(); // it answered /health a moment ago: a failure here is the first call's to tell
        }
        Answer listed = models.get();
        if (isKeyStatus(listed.status)) {
            return Optional.of(keyRefused(listed));
        }
        Optional<List<String>> served = listed.status == 200 ? servedNames(listed.body) : Optional.empty();
        if (served.isPresent()) {
            List<String> names = served.get();
            if (names.isEmpty() || names.contains(modelName) || names.stream().anyMatch(n -> n.contains("*"))) {
                return Optional.empty();
            }
            return Optional.of(notServed(listed, names));
        }
        return routeRefusal(listed);
    }

    /** After {@code /v1/models} said nothing: does the completions route exist at this path? */
    private Optional<Refusal> routeRefusal(Answer models) {
        Optional<Answer> chat = send(post(
                "/v1/chat/completions",
                JSON.createObjectNode()
                        .put("model", modelName)
                        .put("max_tokens", 1)
                        .set("messages", JSON.createArrayNode())));
        if (chat.isEmpty()) {
            return Optional.empty();
        }
        Answer answer = chat.get();
        if (isKeyStatus(answer.status)) {
            return Optional.of(keyRefused(answer));
        }
        if (answer.status == 404 && StatusPolicy.namesTheModel(answer.body)) {
            return Optional.of(refused(answer, StatusPolicy.hint(404, answer.body), StatusPolicy.MODEL_NAME));
        }
        if (answer.status != 404 && answer.status != 405 && answer.status != 501) {
            return Optional.empty();
        }
        Optional<Answer> text = send(post(
                "/v1/completions",
                JSON.createObjectNode()
                        .put("model", modelName)
                        .put("max_tokens", 1)
                        .put("prompt", "")));
        if (text.isEmpty() || (text.get().status != 404 && text.get().status != 405 && text.get().status != 501)) {
            return Optional.empty(); // a server with /v1/completions alone: a recipe of raw prompts runs there
        }
        return Optional.of(new Refusal(
                "the model endpoint " + base + " does not lead to an OpenAI-compatible API: "
                        + models.describe() + ", " + answer.describe() + " and "
                        + text.get().describe()
                        + " (check the RewriterModel's endpoint URL: the server's base URL, without /v1 or a path"
                        + " segment it does not serve). Nothing was written.",
                List.of(StatusPolicy.ENDPOINT_URL)));
    }

    private Refusal notServed(Answer listed, List<String> names) {
        Set<String> known = new LinkedHashSet<>(names);
        String advice = CrdSchema.nearest(modelName, known)
                .map(near -> "did you mean '" + near + "'?")
                .orElseGet(() -> {
                    List<String> shown = names.subList(0, Math.min(LISTED_AT_MOST, names.size()));
                    return "it serves " + String.join(", ", shown)
                            + (names.size() > shown.size() ? " and " + (names.size() - shown.size()) + " more" : "");
                });
        return new Refusal(
                "the model server at " + base + " does not serve a model named '" + modelName + "': "
                        + listed.request.method() + " " + listed.request.uri() + " lists "
                        + names.size() + (names.size() == 1 ? " model" : " models") + " without it; " + advice
                        + " (the RewriterModel's servedModelName is the name the server serves the model under;"
                        + " unset, the RewriterModel's own name). Nothing was written.",
                StatusPolicy.MODEL_NAME);
    }

    /** The ids of a model list ({@code {"data": [{"id": "..."}, ...]}}), or empty when the body is not one. */
    static Optional<List<String>> servedNames(String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (root == null || !root.path("data").isArray()) {
            return Optional.empty();
        }
        List<String> names = new ArrayList<>();
        for (JsonNode model : root.path("data")) {
            if (!model.path("id").isTextual()) {
                return Optional.empty();
            }
            names.add(model.path("id").asText());
        }
        return Optional.of(names);
    }

    private static boolean isKeyStatus(int status) {
        return status == 401 || status == 403 || status == 407;
    }

    /** The key refusal the first call would give, in its words. */
    private Refusal keyRefused(Answer answer) {
        String hint = answer.status != 403 && apiKey.isEmpty()
                ? ModelClient.noKeySent(apiKeyVariable)
                : StatusPolicy.hint(answer.status, answer.body);
        return refused(answer, hint, StatusPolicy.fields(answer.status, answer.body));
    }

    private Refusal refused(Answer answer, String hint, List<ManifestField> about) {
        return new Refusal(
                "the model server refused the job's requests: " + answer.describe()
                        + (answer.body.isBlank() ? "" : " " + answer.shown()) + " (" + hint + ")",
                about);
    }

    private HttpRequest get(String path) {
        return withKey(HttpRequest.newBuilder(ModelUrls.at(base, path)).GET());
    }

    private HttpRequest post(String path, JsonNode body) {
        return withKey(HttpRequest.newBuilder(ModelUrls.at(base, path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    private HttpRequest withKey(HttpRequest.Builder builder) {
        apiKey.ifPresent(key -> builder.header("Authorization", "Bearer " + key));
        return builder.timeout(TIMEOUT).build();
    }

    /** The answer, or empty when none came (the first call then meets the same, and its tries and outage gate). */
    private Optional<Answer> send(HttpRequest request) {
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            String body = new String(response.body(), StandardCharsets.UTF_8);
            // a server may echo what it was sent: the key is never repeated in a message
            String redacted = apiKey.filter(key -> key.length() >= 4)
                    .map(key -> body.replace(key, "***"))
                    .orElse(body);
            return Optional.of(new Answer(request, response.statusCode(), redacted));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** One answer; its body whole, as the list of models is read from it. */
    private record Answer(HttpRequest request, int status, String body) {
        String describe() {
            return request.method() + " " + request.uri() + " answered HTTP " + status;
        }

        /** The body as a message shows it: on one line, cut at 500 characters. */
        String shown() {
            return ModelClient.snippet(body);
        }
    }
}
