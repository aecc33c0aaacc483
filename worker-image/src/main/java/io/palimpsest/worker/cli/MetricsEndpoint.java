package io.palimpsest.worker.cli;

import io.palimpsest.worker.client.ClientStats;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.run.RunProgress;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code GET /metrics} of one worker, with the Prometheus Java client: documents by outcome and
 * by reason, tokens as the model answered them, the shard's input progress (read by the operator for live progress), requests
 * in flight and the adaptive concurrency limit, attempts, retries by cause, and request latency as
 * a histogram with fixed buckets, so Prometheus can add pods up ({@code histogram_quantile} over a
 * {@code sum by (le)}). Counters read the run's own counters at scrape time: nothing is counted twice.
 */
final class MetricsEndpoint implements AutoCloseable {

    /** Upper bounds in seconds: a cached short reply takes 0.1 s, a long generation a few minutes. */
    static final double[] LATENCY_BUCKETS = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600};

    private final PrometheusRegistry registry;
    private final HTTPServer server;

    /**
     * @param address the address to listen on (a pod listens on all of its own, "0.0.0.0")
     * @param client  the model client, or null when the recipe calls no model (its samples then read 0)
     */
    MetricsEndpoint(String address, int port, RunProgress progress, ModelClient client) throws IOException {
        this.registry = registry(progress, client);
        this.server = HTTPServer.builder()
                .hostname(address)
                .port(port)
                .registry(registry)
                .buildAndStart();
    }

    MetricsEndpoint(int port, RunProgress progress, ModelClient client) throws IOException {
        this("0.0.0.0", port, progress, client);
    }

    int port() {
        return server.getPort();
    }

    /** What a scrape would answer, in the Prometheus text format (tests). */
    String scrape() {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
            return out.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static PrometheusRegistry registry(RunProgress progress, ModelClient client) {
        PrometheusRegistry registry = new PrometheusRegistry();
        ClientStats stats = client == null ? new ClientStats() : client.stats();
        CounterWithCallback.builder()
                .name("palimpsest_documents_total")
                .help("Documents this worker finished (not yet committed), by outcome: written, rejected, skipped.")
                .labelNames("outcome")
                .callback(cb -> {
                    cb.call(progress.written.get(), "written");
                    cb.call(progress.rejected.get() - progress.skipped.get(), "rejected");
                    cb.call(progress.skipped.get(), "skipped");
                })
                .register(registry);
        CounterWithCallback.builder()
                .name("palimpsest_documents_not_written_total")
                .help(
                        "Documents rejected or skipped, by outcome and reason (one label per reason code of the catalogue).")
                .labelNames("outcome", "reason")
                .callback(cb -> progress.notWrittenByReason().forEach((key, count) -> {
                    int slash = key.indexOf('/');
                    cb.call(count, key.substring(0, slash), key.substring(slash + 1));
                }))
                .register(registry);
        CounterWithCallback.builder()
                .name("palimpsest_tokens_total")
                .help("Tokens the model answered this worker's requests with, as each answer comes (committed or not:"
                        + " a long document's chunks before the document is done), by kind: prompt, completion.")
                .labelNames("kind")
                .callback(cb -> {
                    AnsweredTokens answered = AnsweredTokens.of(client == null ? null : stats, progress);
                    cb.call(answered.prompt(), "prompt");
                    cb.call(answered.completion(), "completion");
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("palimpsest_shard_input_bytes")
                .help("Planned input bytes of the shard(s) this worker runs.")
                .callback(cb -> cb.call(progress.shardBytes.get()))
                .register(registry);
        CounterWithCallback.builder()
                .name("palimpsest_input_read_bytes_total")
                .help(
                        "Input bytes read so far, as stored; over palimpsest_shard_input_bytes it says how far the shard is.")
                .callback(cb -> cb.call(progress.bytesRead.get()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("palimpsest_shard_progress_ratio")
                .help(
                        "How far the shard is, 0-1: input bytes read over planned, corrected for documents read ahead of their answers.")
                .callback(cb -> {
                    double f = progress.inputFraction();
                    cb.call(Double.isNaN(f) ? 0 : f);
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("palimpsest_requests_in_flight")
                .help("Model requests sent and not yet answered.")
                .callback(
                        cb -> cb.call(client == null ? 0 : client.concurrency().inFlight()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("palimpsest_concurrency_limit")
                .help("The adaptive limit on model requests in flight.")
                .callback(
                        cb -> cb.call(client == null ? 0 : client.concurrency().limit()))
                .register(registry);
        CounterWithCallback.builder()
                .name("palimpsest_request_attempts_total")
                .help("HTTP attempts at the model, retries included.")
                .callback(cb -> cb.call(stats.attempts.sum()))
                .register(registry);
        CounterWithCallback.builder()
                .name("palimpsest_request_retries_total")
                .help("Failed attempts at the model, by cause (timeout, connection, bad_response, http_<status>).")
                .labelNames("cause")
                .callback(cb -> {
                    Map<String, LongAdder> retries = new TreeMap<>(stats.retriesByReason);
                    retries.forEach((cause, count) -> cb.call(count.sum(), cause));
                })
                .register(registry);
        CounterWithCallback.builder()
                .name("palimpsest_token_count_attempts_total")
                .help("HTTP attempts at the model server's /tokenize (tokenizer.mode: server), retries included.")
                .callback(cb -> cb.call(stats.counts.attempts.sum()))
                .register(registry);
        CounterWithCallback.builder()
                .name("palimpsest_token_count_retries_total")
                .help("Failed attempts at the model server's /tokenize, by cause (timeout, connection, http_<status>).")
                .labelNames("cause")
                .callback(cb -> {
                    Map<String, LongAdder> retries = new TreeMap<>(stats.counts.retriesByReason);
                    retries.forEach((cause, count) -> cb.call(count.sum(), cause));
                })
                .register(registry);
        Histogram latency = Histogram.builder()
                .name("palimpsest_request_duration_seconds")
                .unit(Unit.SECONDS)
                .help("Latency of successful model requests.")
                .classicOnly()
                .classicUpperBounds(LATENCY_BUCKETS)
                .register(registry);
        stats.onLatency(nanos -> latency.observe(nanos / 1e9));
        return registry;
    }

    @Override
    public void close() {
        server.close();
    }
}
