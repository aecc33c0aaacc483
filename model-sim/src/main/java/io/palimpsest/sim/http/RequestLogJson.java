package io.palimpsest.sim.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.sim.LoggedRequest;
import io.palimpsest.sim.RequestOutcome;
import java.util.List;

/** The request log as JSON, for tests that run the simulator as a subprocess. */
final class RequestLogJson {
    private RequestLogJson() {}

    static ObjectNode write(List<LoggedRequest> entries, long totalReceived) {
        ObjectNode root = Json.object();
        root.put("total_received", totalReceived);
        ArrayNode list = root.putArray("requests");
        for (LoggedRequest e : entries) {
            ObjectNode n = list.addObject();
            n.put("index", e.index());
            n.put("received_at", e.receivedAt().toString());
            n.put("method", e.method());
            n.put("path", e.path());
            ObjectNode headers = n.putObject("headers");
            e.headers().forEach((k, v) -> headers.put(k, String.join(", ", v)));
            n.set("body", e.body());
            e.prompt().ifPresent(p -> n.put("prompt", p));
            e.document().ifPresent(d -> n.put("document", d));
            e.outcome().ifPresentOrElse(o -> n.set("outcome", outcome(o)), () -> n.putNull("outcome"));
        }
        return root;
    }

    private static ObjectNode outcome(RequestOutcome o) {
        ObjectNode n = Json.object();
        n.put("status", o.status());
        o.fault().ifPresentOrElse(f -> n.put("fault", f.wireName()), () -> n.putNull("fault"));
        n.put("finish_reason", o.finishReason());
        n.put("text", o.text());
        n.put("prompt_tokens", o.promptTokens());
        n.put("completion_tokens", o.completionTokens());
        return n;
    }
}
