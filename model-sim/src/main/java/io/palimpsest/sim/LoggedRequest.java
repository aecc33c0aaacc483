package io.palimpsest.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One request as it arrived, for tests to assert on what clients sent. Header names are lower
 * case. The outcome appears once the simulator has answered (never, for a hang).
 */
public final class LoggedRequest {
    private final long index;
    private final Instant receivedAt;
    private final String method;
    private final String path;
    private final Map<String, List<String>> headers;
    private final JsonNode body;
    private volatile String prompt;
    private volatile String document;
    private volatile RequestOutcome outcome;

    public LoggedRequest(
            long index,
            Instant receivedAt,
            String method,
            String path,
            Map<String, List<String>> headers,
            JsonNode body) {
        this.index = index;
        this.receivedAt = receivedAt;
        this.method = method;
        this.path = path;
        Map<String, List<String>> copy = new LinkedHashMap<>();
        headers.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        this.headers = Collections.unmodifiableMap(copy);
        this.body = body;
    }

    /** Position in arrival order, from 0, never reused even when old entries are dropped. */
    public long index() {
        return index;
    }

    public Instant receivedAt() {
        return receivedAt;
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    public Map<String, List<String>> headers() {
        return headers;
    }

    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** The parsed JSON body; a NullNode when the body was empty, a TextNode when it was not JSON. */
    public JsonNode body() {
        return body;
    }

    /** For completion requests: the prompt text as rules see it (chat contents joined). */
    public Optional<String> prompt() {
        return Optional.ofNullable(prompt);
    }

    /** For completion requests: the document the simulator would rewrite. */
    public Optional<String> document() {
        return Optional.ofNullable(document);
    }

    public Optional<RequestOutcome> outcome() {
        return Optional.ofNullable(outcome);
    }

    public void prompt(String prompt, String document) {
        this.prompt = prompt;
        this.document = document;
    }

    public void outcome(RequestOutcome outcome) {
        this.outcome = outcome;
    }

    @Override
    public String toString() {
        return "#" + index + " " + method + " " + path + " " + (outcome == null ? "(pending)" : outcome);
    }
}
