package io.palimpsest.worker.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Samples the server's queue from its Prometheus endpoint ({@code vllm:num_requests_waiting},
 * {@code vllm:num_requests_running}, summed over label sets) and feeds it to the concurrency control.
 * When /metrics is missing the samples simply stop and the control falls back to latency.
 */
public final class QueueDepthProbe implements AutoCloseable {

    private final HttpClient http;
    private final URI metrics;
    private final AdaptiveConcurrency concurrency;
    private final ScheduledFuture<?> task;

    public QueueDepthProbe(HttpClient http, URI baseUrl, AdaptiveConcurrency concurrency, ScheduledExecutorService scheduler, Duration period) {
        this.http = http;
        this.metrics = baseUrl.resolve("/metrics");
        this.concurrency = concurrency;
        this.task = scheduler.scheduleWithFixedDelay(this::sample, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void sample() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return;
            }
            double waiting = sum(response.body(), "vllm:num_requests_waiting");
            double running = sum(response.body(), "vllm:num_requests_running");
            if (waiting >= 0 && running >= 0) {
                concurrency.onQueueSample(waiting, running);
            }
        } catch (java.io.IOException | RuntimeException unreachable) {
            // no sample this round; latency-based control covers the gap
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sum of a gauge over all its label sets, or -1 when the metric is absent. */
    static double sum(String exposition, String metric) {
        double total = 0;
        boolean found = false;
        for (String line : exposition.split("\n")) {
            if (!line.startsWith(metric) || line.length() == metric.length()) {
                continue;
            }
            char next = line.charAt(metric.length());
            if (next != '{' && next != ' ') {
                continue;
            }
            try {
                total += Double.parseDouble(valueOf(line));
                found = true;
            } catch (NumberFormatException ignored) {
                // a malformed sample line is skipped
            }
        }
        return found ? total : -1;
    }

    private static String valueOf(String line) {
        int close = line.lastIndexOf('}');
        String rest = (close >= 0 ? line.substring(close + 1) : line.substring(line.indexOf(' '))).trim();
        return rest.split("\\s+")[0];
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
