package io.palimpsest.operator.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;

/** A Kubernetes {@code Status} of kind Failure, as an API server answers a refused request; the simulated servers' one way to write it. */
final class ApiStatus {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ApiStatus() {}

    /** The Status object, for a caller to add {@code details} to. */
    static ObjectNode failure(int code, String reason, String message) {
        ObjectNode status = JSON.createObjectNode();
        status.put("kind", "Status");
        status.put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Failure");
        status.put("message", message);
        status.put("reason", reason);
        status.put("code", code);
        return status;
    }

    /** The HTTP answer carrying {@code status}, with its code. */
    static MockResponse response(ObjectNode status) {
        return new MockResponse()
                .setResponseCode(status.path("code").asInt())
                .setHeader("Content-Type", "application/json")
                .setBody(status.toString());
    }
}
