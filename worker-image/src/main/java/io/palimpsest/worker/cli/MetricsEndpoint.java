package io.palimpsest.worker.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

import com.sun.net.httpserver.HttpServer;
import io.palimpsest.worker.client.ClientStats;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.run.RunProgress;
import org.HdrHistogram.Histogram;

/**
 * {@code GET /metrics} in the Prometheus text format for one worker: documents by outcome, tokens,
 * requests in flight and the concurrency limit, attempts, retries by reason, request latency. The JDK's
 * HTTP server is enough for one scraper every few seconds and adds no dependency.
 */
final class MetricsEndpoint implements AutoCloseable {

    private final HttpServer server;

    MetricsEndpoint(int port, RunProgress progress, ModelClient client) throws IOException {
        server = HttpServer.create(new InetSocketAddress(port), 0);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "metrics");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/metrics", exchange -> {
            byte[] body = render(progress, client).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** @param client the model client, or null when the recipe calls no model (its samples then read 0) */
    static String render(RunProgress progress, ModelClient client) {
        ClientStats stats = client == null ? new ClientStats() : client.stats();
        StringBuilder out = new StringBuilder();
        family(out, "palimpsest_documents_total", "counter", "Documents finished by this worker, by outcome.");
        sample(out, "palimpsest_documents_total{outcome=\"written\"}", progress.written.get());
        sample(out, "palimpsest_documents_total{outcome=\"not_written\"}", progress.rejected.get());
        family(out, "palimpsest_tokens_total", "counter", "Tokens reported by the model server.");
        sample(out, "palimpsest_tokens_total{kind=\"prompt\"}", progress.promptTokens.get());
        sample(out, "palimpsest_tokens_total{kind=\"completion\"}", progress.completionTokens.get());
        family(out, "palimpsest_requests_in_flight", "gauge", "Model requests sent and not yet answered.");
        sample(out, "palimpsest_requests_in_flight", client == null ? 0 : client.concurrency().inFlight());
        family(out, "palimpsest_concurrency_limit", "gauge", "The adaptive limit on requests in flight.");
        sample(out, "palimpsest_concurrency_limit", client == null ? 0 : client.concurrency().limit());
        family(out, "palimpsest_request_attempts_total", "counter", "HTTP attempts, retries included.");
        sample(out, "palimpsest_request_attempts_total", stats.attempts.sum());
        family(out, "palimpsest_request_retries_total", "counter", "Failed attempts that were retried or ended the request, by reason.");
        Map<String, LongAdder> retries = new TreeMap<>(stats.retriesByReason);
        retries.forEach((reason, count) -> sample(out, "palimpsest_request_retries_total{reason=\"" + reason + "\"}", count.sum()));
        family(out, "palimpsest_request_latency_seconds", "summary", "Latency of successful attempts.");
        Histogram latency = stats.latencyMicros.copy();
        for (double quantile : new double[] {0.5, 0.9, 0.99}) {
            sample(out, "palimpsest_request_latency_seconds{quantile=\"" + quantile + "\"}", latency.getValueAtPercentile(quantile * 100) / 1e6);
        }
        sample(out, "palimpsest_request_latency_seconds_count", latency.getTotalCount());
        sample(out, "palimpsest_request_latency_seconds_sum", latency.getMean() * latency.getTotalCount() / 1e6);
        return out.toString();
    }

    private static void family(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String series, double value) {
        out.append(series).append(' ').append(value).append('\n');
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
