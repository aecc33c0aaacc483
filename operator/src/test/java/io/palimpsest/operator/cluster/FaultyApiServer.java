package io.palimpsest.operator.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.DefaultMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.io.IOException;
import java.lang.reflect.Field;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An API layer for fault scenarios, put in front of whatever dispatcher the mock API server has
 * (the store, or {@link ValidatingApiServer} in front of it). Opt-in per test: {@link #install}
 * it, {@link #close} it at the end and the server is as before, so other scenarios see nothing.
 * <ul>
 * <li>records every request with its client's User-Agent (each operator instance of a test gets
 *     its own), method, resource, verb and answer: the material of the RBAC and leader tests;</li>
 * <li>injects faults on chosen calls: an answer with a status (409, 500, 429 with Retry-After, ...)
 *     instead of the store's, or a timeout after the store applied the request (the client never
 *     learns its write landed), each for a number of matching calls;</li>
 * <li>partitions a client: every request of one User-Agent refused (503), as a node cut off;</li>
 * <li>drops open watches, optionally with the API server's {@code 410 Gone} ERROR event (the
 *     resourceVersion expired), and answers a watch resumed from a resourceVersion with 410 Gone;</li>
 * <li>answers SelfSubjectRulesReview (the mock server has no authorizer) with the rules it is
 *     given, by default everything, so JOSDK's leader election start-up check passes;</li>
 * <li>on request ({@link #stampManagedFields}), stamps the {@code managedFields} time of a create or
 *     update on the API server's clock (its own, to the second), as a real server does and the mock's
 *     store does not.</li>
 * </ul>
 */
public final class FaultyApiServer extends Dispatcher implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** /api/v1/..., /apis/group/version/..., namespaced or not; group "" is the core group. */
    private static final Pattern PATH = Pattern.compile(
            "^/(?:api/v1|apis/([^/]+)/[^/]+)(?:/namespaces/([^/?]+))?/([^/?]+)(?:/([^/?]+))?(?:/([^/?]+))?(?:\\?(.*))?$");

    /** One request as the API server saw it; {@code verb} is Kubernetes' (get, list, watch, create, update, patch, delete, deletecollection). */
    public record Call(
            Instant at,
            String agent,
            HttpMethod method,
            String path,
            String group,
            String namespace,
            String resource,
            String name,
            String subresource,
            String verb,
            int code) {
        /** Changes something; access reviews (a create that stores nothing) are questions, not writes. */
        public boolean write() {
            return !verb.equals("get")
                    && !verb.equals("list")
                    && !verb.equals("watch")
                    && !resource.endsWith("reviews");
        }

        /** {@code resource} or {@code resource/subresource}, the way RBAC names it. */
        public String rbacResource() {
            return subresource == null ? resource : resource + "/" + subresource;
        }
    }

    /** A request before it is answered (code 0). */
    public record Request(
            String agent,
            HttpMethod method,
            String path,
            String group,
            String namespace,
            String resource,
            String name,
            String subresource,
            String verb) {
        public boolean write() {
            return !verb.equals("get")
                    && !verb.equals("list")
                    && !verb.equals("watch")
                    && !resource.endsWith("reviews");
        }

        public boolean is(String verb, String resource) {
            return this.verb.equals(verb)
                    && resource.equals(subresource == null ? this.resource : this.resource + "/" + subresource);
        }
    }

    /** What a matching call gets instead of the store's answer. */
    public interface Answer {
        MockResponse answer(RecordedRequest request, Dispatcher store);
    }

    private final MockWebServer web;
    private final Dispatcher store;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final Set<String> partitioned = ConcurrentHashMap.newKeySet();
    private final Set<WebSocket> watches = ConcurrentHashMap.newKeySet();
    private volatile boolean goneOnResume;
    private volatile boolean stampManagedFields;
    private volatile List<ObjectNode> rules = List.of(rule(List.of("*"), List.of("*"), List.of("*")));

    private FaultyApiServer(MockWebServer web, Dispatcher store) {
        this.web = web;
        this.store = store;
    }

    /** Puts the layer in front of {@code server}'s current dispatcher. */
    public static FaultyApiServer install(KubernetesMockServer server) {
        try {
            Field serverField = DefaultMockServer.class.getDeclaredField("server");
            serverField.setAccessible(true);
            MockWebServer web = (MockWebServer) serverField.get(server);
            Field dispatcherField = MockWebServer.class.getDeclaredField("dispatcher");
            dispatcherField.setAccessible(true);
            FaultyApiServer layer = new FaultyApiServer(web, (Dispatcher) dispatcherField.get(web));
            web.setDispatcher(layer);
            return layer;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot put the fault layer in front of the mock API server", e);
        }
    }

    /** Takes the layer out again: the server answers as it did before {@link #install}. */
    @Override
    public void close() {
        clearFaults();
        web.setDispatcher(store);
    }

    // ---- what happened

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    public List<Call> calls(Predicate<Call> which) {
        return calls.stream().filter(which).toList();
    }

    public void forgetCalls() {
        calls.clear();
    }

    // ---- faults

    /** The next {@code times} calls matching {@code when} get {@code answer}; returns a counter of the calls it hit. */
    public AtomicInteger inject(Predicate<Request> when, int times, Answer answer) {
        Fault f = new Fault(when, new AtomicInteger(times), answer, new AtomicInteger());
        faults.add(f);
        return f.hit;
    }

    /** A Kubernetes {@code Status} answer: 409 Conflict, 500 InternalError, 429 TooManyRequests (Retry-After 1 s), ... */
    public static Answer status(int code) {
        return (request, store) -> statusResponse(
                code, reasonOf(code), "injected " + code + " on " + request.getMethod() + " " + request.getPath());
    }

    /** A Kubernetes {@code Status} answer with the server's own words, as an admission webhook's denial or a decode error has. */
    public static Answer status(int code, String message) {
        return (request, store) -> statusResponse(code, reasonOf(code), message);
    }

    /**
     * The store applies the request, the client gets no answer before {@code after} (longer than its
     * request timeout): a write that landed while the caller saw it fail.
     */
    public static Answer appliedThenTimeout(Duration after) {
        return (request, store) -> store.dispatch(request).setBodyDelay(after);
    }

    /** Forgets the faults not yet spent, the partitions and the 410 on resume. */
    public void clearFaults() {
        faults.clear();
        partitioned.clear();
        goneOnResume = false;
    }

    /** Every request of clients whose User-Agent contains {@code agent} is refused until {@link #heal}. */
    public void partition(String agent) {
        partitioned.add(agent);
    }

    public void heal(String agent) {
        partitioned.remove(agent);
    }

    /** Closes every open watch; with {@code gone}, after sending the 410 Gone ERROR event a real server sends when the resourceVersion expired. */
    public int dropWatches(boolean gone) {
        int n = 0;
        for (WebSocket ws : List.copyOf(watches)) {
            if (gone) {
                ws.send("{\"type\":\"ERROR\",\"object\":" + statusBody(410, "Expired", "too old resource version")
                        + "}");
            }
            ws.close(1000, "dropped");
            watches.remove(ws);
            n++;
        }
        return n;
    }

    /** While on, a watch that resumes from a resourceVersion is answered 410 Gone: the client must list again. */
    public void goneOnResume(boolean on) {
        goneOnResume = on;
    }

    /**
     * While on, each create and update (PUT) of an object gets the entry of its client (User-Agent) in
     * {@code metadata.managedFields} stamped with this server's time to the second, the others kept: the time a
     * real API server records for the manager of a write that changes a field.
     */
    public void stampManagedFields(boolean on) {
        stampManagedFields = on;
    }

    /** The rules SelfSubjectRulesReview answers with, each {@code {apiGroups, resources, verbs}}. */
    public void authorize(List<ObjectNode> rules) {
        this.rules = List.copyOf(rules);
    }

    public static ObjectNode rule(List<String> apiGroups, List<String> resources, List<String> verbs) {
        ObjectNode r = JSON.createObjectNode();
        apiGroups.forEach(r.withArray("apiGroups")::add);
        resources.forEach(r.withArray("resources")::add);
        verbs.forEach(r.withArray("verbs")::add);
        return r;
    }

    // ---- the layer

    @Override
    public MockResponse dispatch(RecordedRequest recorded) {
        // The body can be read once: keep its bytes and hand on a fresh copy.
        byte[] bytes =
                recorded.getBody() == null ? new byte[0] : recorded.getBody().getBytes();
        RecordedRequest request = new RecordedRequest(
                recorded.getHttpVersion(),
                recorded.method(),
                recorded.getPath(),
                recorded.getHeaders(),
                new Buffer(bytes));
        Request r = parse(request);
        MockResponse response = answer(request, r);
        if (r != null) {
            calls.add(new Call(
                    Instant.now(),
                    r.agent(),
                    r.method(),
                    r.path(),
                    r.group(),
                    r.namespace(),
                    r.resource(),
                    r.name(),
                    r.subresource(),
                    r.verb(),
                    response.code()));
        }
        return response;
    }

    private MockResponse answer(RecordedRequest request, Request r) {
        String agent = r == null ? String.valueOf(request.getHeader("User-Agent")) : r.agent();
        for (String cut : partitioned) {
            if (agent.contains(cut)) {
                return statusResponse(503, "ServiceUnavailable", "partitioned");
            }
        }
        if (r == null) {
            return store.dispatch(request);
        }
        if (r.resource().equals("selfsubjectrulesreviews") && r.verb().equals("create")) {
            return rulesReview(request);
        }
        Dispatcher target = store;
        if (stampManagedFields
                && r.subresource() == null
                && (r.verb().equals("create") || r.verb().equals("update"))) {
            // stamped when the store takes it, as a server stamps a write when it persists it: a fault's answer
            // that writes something else first (another client's write landing just before) gets an earlier time
            RecordedRequest original = request;
            target = new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest handed) {
                    return store.dispatch(handed == original ? stamped(handed, r.agent()) : handed);
                }
            };
        }
        for (Fault f : faults) {
            if (f.when.test(r) && f.left.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                f.hit.incrementAndGet();
                return f.answer.answer(request, target);
            }
        }
        if (r.verb().equals("watch")) {
            if (goneOnResume && request.getPath().matches(".*[?&]resourceVersion=[1-9].*")) {
                return statusResponse(410, "Expired", "too old resource version");
            }
            MockResponse watch = store.dispatch(request);
            if (watch.getWebSocketListener() != null) {
                watch.withWebSocketUpgrade(new TrackedWatch(watch.getWebSocketListener()));
            }
            return watch;
        }
        return target.dispatch(request);
    }

    private MockResponse rulesReview(RecordedRequest request) {
        try {
            ObjectNode review = (ObjectNode) JSON.readTree(request.getBody().readUtf8());
            ObjectNode status = review.putObject("status");
            rules.forEach(status.withArray("resourceRules")::add);
            status.putArray("nonResourceRules");
            status.put("incomplete", false);
            return new MockResponse()
                    .setResponseCode(201)
                    .setHeader("Content-Type", "application/json")
                    .setBody(review.toString());
        } catch (Exception e) {
            return statusResponse(400, "BadRequest", e.toString());
        }
    }

    private static RecordedRequest stamped(RecordedRequest request, String manager) {
        // The body can be read once: whatever happens, the request handed on carries its bytes again.
        byte[] bytes =
                request.getBody() == null ? new byte[0] : request.getBody().getBytes();
        try {
            JsonNode body = JSON.readTree(bytes);
            if (!(body instanceof ObjectNode object) || !(object.get("metadata") instanceof ObjectNode metadata)) {
                return withBody(request, bytes);
            }
            ArrayNode entries = JSON.createArrayNode();
            if (metadata.get("managedFields") instanceof ArrayNode before) {
                before.forEach(e -> {
                    if (!manager.equals(e.path("manager").asText())) {
                        entries.add(e);
                    }
                });
            }
            ObjectNode entry = entries.addObject();
            entry.put("manager", manager);
            entry.put("operation", "Update");
            entry.put("apiVersion", object.path("apiVersion").asText());
            entry.put("time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            entry.put("fieldsType", "FieldsV1");
            entry.putObject("fieldsV1");
            metadata.set("managedFields", entries);
            return withBody(request, JSON.writeValueAsBytes(object));
        } catch (IOException e) {
            return withBody(request, bytes);
        }
    }

    private static RecordedRequest withBody(RecordedRequest request, byte[] body) {
        return new RecordedRequest(
                request.getHttpVersion(), request.method(), request.getPath(), request.getHeaders(), new Buffer(body));
    }

    static Request parse(RecordedRequest request) {
        String path = request.getPath();
        Matcher m = PATH.matcher(path);
        if (!m.matches()) {
            return null; // discovery, version, health
        }
        String group = m.group(1) == null ? "" : m.group(1);
        String query = m.group(6) == null ? "" : m.group(6);
        String name = m.group(4);
        HttpMethod method = request.method();
        String verb =
                switch (method) {
                    case GET -> name != null ? "get" : query.matches("(.*&)?watch=(true|1)(&.*)?") ? "watch" : "list";
                    case POST -> "create";
                    case PUT -> "update";
                    case PATCH -> "patch";
                    case DELETE -> name != null ? "delete" : "deletecollection";
                    default -> method.name().toLowerCase();
                };
        String agent = String.valueOf(request.getHeader("User-Agent"));
        return new Request(agent, method, path, group, m.group(2), m.group(3), name, m.group(5), verb);
    }

    private static MockResponse statusResponse(int code, String reason, String message) {
        MockResponse r = ApiStatus.response(ApiStatus.failure(code, reason, message));
        return code == 429 ? r.setHeader("Retry-After", "1") : r;
    }

    private static String statusBody(int code, String reason, String message) {
        return ApiStatus.failure(code, reason, message).toString();
    }

    private static String reasonOf(int code) {
        return switch (code) {
            case 400 -> "BadRequest";
            case 403 -> "Forbidden";
            case 404 -> "NotFound";
            case 409 -> "Conflict";
            case 410 -> "Expired";
            case 413 -> "RequestEntityTooLarge";
            case 429 -> "TooManyRequests";
            case 500 -> "InternalError";
            case 503 -> "ServiceUnavailable";
            case 504 -> "Timeout";
            default -> "Unknown";
        };
    }

    private record Fault(Predicate<Request> when, AtomicInteger left, Answer answer, AtomicInteger hit) {}

    /** The store's watch, remembered while open so {@link #dropWatches} can cut it. */
    private final class TrackedWatch extends WebSocketListener {
        private final WebSocketListener inner;

        TrackedWatch(WebSocketListener inner) {
            this.inner = inner;
        }

        @Override
        public void onBeforeAccept(WebSocket ws, Response response) {
            inner.onBeforeAccept(ws, response);
        }

        @Override
        public void onOpen(WebSocket ws, Response response) {
            watches.add(ws);
            inner.onOpen(ws, response);
        }

        @Override
        public void onMessage(WebSocket ws, String text) {
            inner.onMessage(ws, text);
        }

        @Override
        public void onMessage(WebSocket ws, ByteString bytes) {
            inner.onMessage(ws, bytes);
        }

        @Override
        public void onMessage(WebSocket ws, byte[] bytes) {
            inner.onMessage(ws, bytes);
        }

        @Override
        public void onClosing(WebSocket ws, int code, String reason) {
            watches.remove(ws);
            inner.onClosing(ws, code, reason);
        }

        @Override
        public void onClosed(WebSocket ws, int code, String reason) {
            watches.remove(ws);
            inner.onClosed(ws, code, reason);
        }

        @Override
        public void onFailure(WebSocket ws, Throwable t, Response response) {
            watches.remove(ws);
            inner.onFailure(ws, t, response);
        }
    }
}
