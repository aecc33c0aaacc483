package io.palimpsest.worker.client;

import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.worker.config.ManifestField;
import java.util.List;

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
     */
    public static List<ManifestField> fields(int status) {
        return switch (status) {
            case 401, 407 -> List.of(API_KEY, ManifestField.model("spec.endpoint"));
            case 403 -> List.of(API_KEY);
            case 404 -> List.of(ManifestField.model("spec.servedModelName"), ManifestField.model("metadata.name"));
            case 405, 415, 501 -> List.of(ManifestField.model("spec.endpoint.url"));
            default -> List.of();
        };
    }

    /** Where the key a server refuses comes from. */
    static final ManifestField API_KEY = ManifestField.model("spec.endpoint.apiKeySecretRef");

    /** What to tell the user to check for a job-wide refusal. */
    public static String hint(int status) {
        return switch (status) {
            case 401, 407 ->
                "the server did not accept the API key: check the RewriterModel's spec.endpoint.apiKeySecretRef"
                        + " (a model the operator runs: its Secret <model>-vllm-api-key, read by replicas and workers"
                        + " when they start, and no VLLM_API_KEY or --api-key of its own in spec.engine;"
                        + " locally: the environment variable "
                        + JobResolver.MODEL_API_KEY_ENV + ")";
            case 403 -> "the API key is not allowed to use this model: check the key and its permissions";
            case 404 ->
                "the server does not know this model or path: check the RewriterModel's servedModelName and endpoint URL"
                        + " (base URL without /v1)";
            case 405, 415, 501 -> "the endpoint does not speak the OpenAI API at this path: check the endpoint URL";
            default ->
                "the same answer would come for every document: check the model's settings and the recipe's sampling";
        };
    }
}
