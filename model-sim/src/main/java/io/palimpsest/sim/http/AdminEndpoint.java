package io.palimpsest.sim.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.sim.OutageMode;
import io.palimpsest.sim.engine.CapacityModel;
import io.palimpsest.sim.faults.FaultConfigJson;
import io.palimpsest.sim.metrics.SimMetrics;
import io.palimpsest.sim.rules.ResponseRules;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code /admin/...}: run-time control for tests that hold the simulator only by URL.
 * <pre>
 *   GET  /admin/faults              current FaultConfig as JSON
 *   POST /admin/faults              replace it ({"rates": {...}, "seed", "slow_start_seconds", "retry_after_seconds"})
 *   POST /admin/rules               replace the response rules (YAML or JSON body)
 *   DELETE /admin/rules             no rules: every answer is the rewrite
 *   GET  /admin/requests?since=N    the request log from index N
 *   DELETE /admin/requests          clear it
 *   POST /admin/pause?mode=refuse|unavailable&amp;seconds=S   outage, ending by itself after S if given
 *   POST /admin/resume
 *   GET  /admin/status              running, waiting, capacity, ready, outage
 * </pre>
 */
final class AdminEndpoint {
    private final SimState state;
    private final OutageControl outages;

    AdminEndpoint(SimState state, OutageControl outages) {
        this.state = state;
        this.outages = outages;
    }

    void handle(HttpServerRequest req, String body) {
        String path = req.path();
        HttpMethod method = req.method();
        try {
            switch (path) {
                case "/admin/faults" -> faults(req, method, body);
                case "/admin/rules" -> rules(req, method, body);
                case "/admin/requests" -> requests(req, method);
                case "/admin/pause" -> pause(req, method);
                case "/admin/resume" -> {
                    requireMethod(method, HttpMethod.POST);
                    outages.endOutage();
                    HttpReplies.json(req, 200, Json.object().put("outage", "none"));
                }
                case "/admin/status" -> HttpReplies.json(req, 200, status());
                default -> throw new ApiError(404, "NotFoundError", "no admin endpoint " + path);
            }
        } catch (ApiError e) {
            HttpReplies.error(req, e);
        } catch (IllegalArgumentException e) {
            HttpReplies.error(req, ApiError.badRequest(e.getMessage()));
        }
    }

    private void faults(HttpServerRequest req, HttpMethod method, String body) {
        if (method == HttpMethod.POST || method == HttpMethod.PUT) {
            state.faults().set(FaultConfigJson.read(Json.parseLenient(body)));
        } else {
            requireMethod(method, HttpMethod.GET);
        }
        HttpReplies.json(req, 200, FaultConfigJson.write(state.faults().config()));
    }

    private void rules(HttpServerRequest req, HttpMethod method, String body) {
        if (method == HttpMethod.DELETE) {
            state.rules(ResponseRules.none());
        } else {
            requireMethod(method, HttpMethod.POST);
            state.rules(ResponseRules.parse(body));
        }
        HttpReplies.json(
                req, 200, Json.object().put("rules", state.rules().rules().size()));
    }

    private void requests(HttpServerRequest req, HttpMethod method) {
        if (method == HttpMethod.DELETE) {
            state.requestLog().clear();
            HttpReplies.json(req, 200, Json.object().put("cleared", true));
            return;
        }
        requireMethod(method, HttpMethod.GET);
        String since = req.getParam("since");
        long from = since == null ? 0 : Long.parseLong(since);
        HttpReplies.json(
                req,
                200,
                RequestLogJson.write(
                        state.requestLog().entriesSince(from),
                        state.requestLog().totalReceived()));
    }

    private void pause(HttpServerRequest req, HttpMethod method) {
        requireMethod(method, HttpMethod.POST);
        String modeParam = req.getParam("mode", "refuse").toLowerCase(Locale.ROOT);
        OutageMode mode =
                switch (modeParam) {
                    case "refuse" -> OutageMode.REFUSE_CONNECTIONS;
                    case "unavailable", "503" -> OutageMode.SERVICE_UNAVAILABLE;
                    default -> throw new IllegalArgumentException("mode must be refuse or unavailable");
                };
        String seconds = req.getParam("seconds");
        Duration autoResume =
                seconds == null ? null : Duration.ofMillis(Math.round(Double.parseDouble(seconds) * 1000));
        // Answer before the socket closes, or the caller would see its own outage as an error.
        HttpReplies.json(
                        req,
                        200,
                        Json.object()
                                .put("outage", mode.name().toLowerCase(Locale.ROOT))
                                .put("seconds", seconds == null ? null : Double.parseDouble(seconds)))
                .onComplete(written -> outages.beginOutage(mode, autoResume));
    }

    private ObjectNode status() {
        SimMetrics.Gauges gauges = state.gauges();
        ObjectNode out = Json.object();
        out.put("model", state.config().modelName());
        out.put("ready", state.ready());
        out.put(
                "outage",
                state.outage() == null ? "none" : state.outage().name().toLowerCase(Locale.ROOT));
        out.put("running", gauges.running());
        out.put("waiting", gauges.waiting());
        out.put("kv_cache_usage", gauges.kvCacheUsage());
        double capacity = CapacityModel.capacityTokensPerSecond(state.config());
        if (Double.isInfinite(capacity)) {
            out.putNull("capacity_tokens_per_second");
        } else {
            out.put("capacity_tokens_per_second", capacity);
        }
        out.put("requests_received", state.requestLog().totalReceived());
        return out;
    }

    private static void requireMethod(HttpMethod actual, HttpMethod expected) {
        if (!actual.equals(expected)) {
            throw new ApiError(405, "MethodNotAllowed", "use " + expected);
        }
    }
}
