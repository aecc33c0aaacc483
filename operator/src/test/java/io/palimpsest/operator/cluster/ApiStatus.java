package io.palimpsest.operator.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;

/** The API server's {@code Status} body for a failed request, as the fault and admission stand-ins answer it. */
final class ApiStatus {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ApiStatus() {
    }

    /** {@code kind: Status, status: Failure} with its code, reason and message; callers add {@code details}. */
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

    static MockResponse response(ObjectNode status) {
        return new MockResponse().setResponseCode(status.get("code").asInt()).setHeader("Content-Type", "application/json")
                .setBody(status.toString());
    }
}
