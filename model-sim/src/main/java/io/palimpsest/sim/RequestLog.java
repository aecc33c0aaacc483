package io.palimpsest.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Every API request the simulator received (not /health, /metrics or /admin), in arrival order,
 * bounded: past {@code capacity} the oldest are dropped. Written on the server's event loop,
 * read from any thread.
 */
public final class RequestLog {
    private final int capacity;
    private final ArrayDeque<LoggedRequest> entries = new ArrayDeque<>();
    private long received;

    public RequestLog(int capacity) {
        this.capacity = capacity;
    }

    public synchronized LoggedRequest record(
            String method, String path, Map<String, List<String>> headers, JsonNode body) {
        LoggedRequest entry = new LoggedRequest(received++, Instant.now(), method, path, headers, body);
        if (entries.size() == capacity) {
            entries.removeFirst();
        }
        entries.addLast(entry);
        return entry;
    }

    public synchronized List<LoggedRequest> entries() {
        return List.copyOf(entries);
    }

    public synchronized List<LoggedRequest> entriesSince(long index) {
        List<LoggedRequest> out = new ArrayList<>();
        for (LoggedRequest e : entries) {
            if (e.index() >= index) {
                out.add(e);
            }
        }
        return out;
    }

    /** Requests to the two completion endpoints. */
    public List<LoggedRequest> completions() {
        return matching(e -> e.path().startsWith("/v1/") && e.path().endsWith("completions"));
    }

    /** The prompts of completion requests, in arrival order. */
    public List<String> prompts() {
        return completions().stream().map(e -> e.prompt().orElse("")).toList();
    }

    public List<LoggedRequest> matching(Predicate<LoggedRequest> filter) {
        return entries().stream().filter(filter).toList();
    }

    public synchronized Optional<LoggedRequest> last() {
        return Optional.ofNullable(entries.peekLast());
    }

    public synchronized int size() {
        return entries.size();
    }

    /** All requests ever received, including those dropped for capacity or cleared. */
    public synchronized long totalReceived() {
        return received;
    }

    public synchronized void clear() {
        entries.clear();
    }
}
