package io.palimpsest.sim.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.palimpsest.sim.LoggedRequest;
import io.palimpsest.sim.OutageMode;
import io.palimpsest.sim.RequestOutcome;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Dispatches every request of one simulator by method and path; runs on its event loop. */
public final class SimRouter implements Handler<HttpServerRequest> {
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final SimState state;
    private final CompletionEndpoint completions;
    private final AdminEndpoint admin;

    public SimRouter(SimState state, OutageControl outages) {
        this.state = state;
        this.completions = new CompletionEndpoint(state);
        this.admin = new AdminEndpoint(state, outages);
    }

    @Override
    public void handle(HttpServerRequest req) {
        String path = req.path();
        if (path.startsWith("/admin/")) {
            req.body().onSuccess(buf -> admin.handle(req, buf.toString()));
            return;
        }
        if (state.outage() == OutageMode.SERVICE_UNAVAILABLE) {
            HttpReplies.error(
                    req, new ApiError(503, "ServiceUnavailableError", "Service unavailable (simulated outage)."));
            return;
        }
        if (state.draining() && path.startsWith("/v1/")) {
            // a real server has stopped accepting connections by now; one that was open already is refused so
            HttpReplies.error(req, new ApiError(503, "ServiceUnavailableError", "The server is shutting down."));
            return;
        }
        if (path.startsWith("/v1/") && !authorized(req)) {
            // vLLM's --api-key answers exactly this, before looking at the request
            HttpReplies.json(req, 401, Json.object().put("error", "Unauthorized"));
            return;
        }
        HttpMethod method = req.method();
        if (method == HttpMethod.GET) {
            switch (path) {
                case "/health" -> HttpReplies.text(req, state.ready() ? 200 : 503, "text/plain", "");
                case "/metrics" ->
                    HttpReplies.text(req, 200, PROMETHEUS_TEXT, state.metrics().render(state.gauges()));
                case "/v1/models" ->
                    whenReady(
                            req,
                            () -> HttpReplies.json(
                                    req,
                                    200,
                                    ResponseBodies.models(
                                            state.config().modelName(),
                                            state.createdEpochSeconds(),
                                            state.config().maxModelLen())));
                case "/version" -> HttpReplies.json(req, 200, Json.object().put("version", "model-sim"));
                default -> notFound(req);
            }
            return;
        }
        if (method == HttpMethod.POST) {
            switch (path) {
                case "/v1/chat/completions" ->
                    withBody(req, (body, entry) -> completions.handle(req, CompletionRequest.Kind.CHAT, body, entry));
                case "/v1/completions" ->
                    withBody(req, (body, entry) -> completions.handle(req, CompletionRequest.Kind.TEXT, body, entry));
                case "/tokenize" ->
                    withBody(req, (body, entry) -> {
                        try {
                            JsonNode tokens = TokenizeEndpoint.tokenize(
                                    body,
                                    state.config().modelName(),
                                    state.config().maxModelLen());
                            entry.outcome(RequestOutcome.statusOnly(200, null));
                            HttpReplies.json(req, 200, tokens);
                        } catch (ApiError e) {
                            entry.outcome(RequestOutcome.statusOnly(e.status(), null));
                            HttpReplies.error(req, e);
                        }
                    });
                default -> notFound(req);
            }
            return;
        }
        notFound(req);
    }

    private interface BodyHandler {
        void handle(JsonNode body, LoggedRequest entry);
    }

    /** Reads and logs the body, then answers 503 while loading or runs {@code handler}. */
    private void withBody(HttpServerRequest req, BodyHandler handler) {
        req.body().onSuccess(buf -> {
            JsonNode body = Json.parseLenient(buf.toString());
            LoggedRequest entry =
                    state.requestLog().record(req.method().name(), req.path(), headers(req.headers()), body);
            if (!state.ready()) {
                entry.outcome(RequestOutcome.statusOnly(503, null));
                HttpReplies.error(req, new ApiError(503, "ServiceUnavailableError", "The model is still loading."));
                return;
            }
            handler.handle(body, entry);
        });
    }

    private void whenReady(HttpServerRequest req, Runnable answer) {
        if (state.ready()) {
            answer.run();
        } else {
            HttpReplies.error(req, new ApiError(503, "ServiceUnavailableError", "The model is still loading."));
        }
    }

    private boolean authorized(HttpServerRequest req) {
        return state.config()
                .apiKey()
                .map(key -> ("Bearer " + key).equals(req.getHeader("Authorization")))
                .orElse(true);
    }

    private static void notFound(HttpServerRequest req) {
        HttpReplies.json(req, 404, Json.object().put("detail", "Not Found"));
    }

    private static Map<String, List<String>> headers(MultiMap headers) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> h : headers) {
            out.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(h.getValue());
        }
        return out;
    }
}
