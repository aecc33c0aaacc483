package io.palimpsest.worker.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.worker.config.ManifestField;
import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What one HTTP status from the model server means for the run. Pure, so the table test can say
 * it in one place.
 *
 * <ul>
 *   <li>{@link Meaning#RETRY}: a transient failure of this request (408, 409, 500 and most 5xx):
 *       back off and try again; charged to the document's retry budget.</li>
 *   <li>{@link Meaning#OUTAGE}: the server, or a gateway in front of it, cannot take requests
 *       right now (429, 502, 503, 504): like a refused connection, these close the
 *       {@link EndpointGate} after a run of them, and requests wait there for up to the outage
 *       limit instead of spending their retries.</li>
 *   <li>{@link Meaning#DOCUMENT}: the server refused this request for good (400 prompt too long,
 *       413, 422): the document is rejected with the server's message.</li>
 *   <li>{@link Meaning#JOB}: an answer that does not depend on the document (401, 403 and 407
 *       credentials, 404 and 405 wrong model name or path, 415, 501): every other request would get
 *       it too, so the attempt stops at once and nothing is committed.</li>
 * </ul>
 *
 * <p>A 404 is about the model or about the path, and the server's body tells which ({@link #namesTheModel}):
 * vLLM (as OpenAI) answers a model it does not serve with an error naming the model
 * ({@code {"error": {"message": "The model `x` does not exist.", "type": "NotFoundError", ...}}}), and a path it
 * has no route for with FastAPI's {@code {"detail": "Not Found"}}, a gateway with a page of its own.
 */
public final class StatusPolicy {

    public enum Meaning {
        RETRY,
        OUTAGE,
        DOCUMENT,
        JOB
    }

    private StatusPolicy() {}

    public static Meaning of(int status) {
        return switch (status) {
            case 401, 403, 404, 405, 407, 415, 501 -> Meaning.JOB;
            case 408, 409 -> Meaning.RETRY;
            case 429, 502, 503, 504 -> Meaning.OUTAGE;
            default -> status >= 500 ? Meaning.RETRY : Meaning.DOCUMENT;
        };
    }

    /**
     * The RewriterModel fields {@link #hint} points at, in order of preference: a file that leaves the first to
     * its default is pointed at the next (a model serves under its own name unless servedModelName says
     * otherwise; a missing apiKeySecretRef belongs in spec.endpoint).
     *
     * @param body the server's answer, which tells a 404 for the model from one for the path
     */
    public static List<ManifestField> fields(int status, String body) {
        return switch (status) {
            case 401, 407 -> List.of(API_KEY, ManifestField.model("spec.endpoint"));
            case 403 -> List.of(API_KEY);
            case 404 -> namesTheModel(body) ? MODEL_NAME : List.of(ENDPOINT_URL);
            case 405, 415, 501 -> List.of(ENDPOINT_URL);
            default -> List.of();
        };
    }

    /** Where the key a server refuses comes from. */
    static final ManifestField API_KEY = ManifestField.model("spec.endpoint.apiKeySecretRef");

    /** Where the name requests give the model comes from: servedModelName, else the RewriterModel's own name. */
    static final List<ManifestField> MODEL_NAME =
            List.of(ManifestField.model("spec.servedModelName"), ManifestField.model("metadata.name"));

    /** Where the server is, and under which path its API is. */
    static final ManifestField ENDPOINT_URL = ManifestField.model("spec.endpoint.url");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern MODEL_WORD = Pattern.compile("(?i)\\bmodel\\b");

    /**
     * Whether a 404's body is the server saying it does not know the model, rather than the path: an error whose
     * message, parameter or code is about the model ({@code "The model `x` does not exist."}, {@code "param":
     * "model"}, {@code "code": "model_not_found"}). FastAPI's {@code {"detail": "Not Found"}}, an empty answer or a
     * gateway's page say nothing of a model: the path is what no route serves.
     */
    public static boolean namesTheModel(String body) {
        if (body == null || body.isBlank()) {
            return false;
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            return MODEL_WORD.matcher(body).find(); // not JSON (a cut answer, a page): its words alone
        }
        if (root == null || !root.isObject()) {
            return false;
        }
        JsonNode error = root.path("error");
        String message = error.isObject()
                ? error.path("message").asText("")
                : error.isTextual() ? error.asText() : root.path("message").asText("");
        return MODEL_WORD.matcher(message).find()
                || "model".equals(error.path("param").asText(root.path("param").asText("")))
                || error.path("code").asText(root.path("code").asText("")).contains("model");
    }

    /** What to tell the user to check for a job-wide refusal. */
    public static String hint(int status, String body) {
        if (status == 404) {
            return namesTheModel(body)
                    ? "the server does not know this model: check the RewriterModel's servedModelName (the name the"
                            + " server serves the model under; unset, the RewriterModel's own name)"
                    : "the server has no route for this path, so the model's name was not even read: check the"
                            + " RewriterModel's endpoint URL (the server's base URL, without /v1 or a path segment it"
                            + " does not serve)";
        }
        return switch (status) {
            case 401, 407 ->
                "the server did not accept the API key: check the RewriterModel's spec.endpoint.apiKeySecretRef"
                        + " (a model the operator runs: its Secret <model>-vllm-api-key, read by replicas and workers"
                        + " when they start, and no VLLM_API_KEY or --api-key of its own in spec.engine;"
                        + " locally: the environment variable "
                        + JobResolver.MODEL_API_KEY_ENV + ")";
            case 403 -> "the API key is not allowed to use this model: check the key and its permissions";
            case 405, 415, 501 -> "the endpoint does not speak the OpenAI API at this path: check the endpoint URL";
            default ->
                "the same answer would come for every document: check the model's settings and the recipe's sampling";
        };
    }
}
