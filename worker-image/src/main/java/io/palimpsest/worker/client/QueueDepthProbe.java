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
 * {@code vllm:num_requests_running}, summed over label sets), its KV cache usage and its preemptions,
 * and feeds them to the concurrency control. When /metrics is missing the samples simply stop and the
 * control falls back to latency; a server without the KV series is steered by its queue alone.
 *
 * <p>Behind a Service successive scrapes may reach different replicas, so the preemption counter is
 * differenced per replica, told apart by {@code process_start_time_seconds} (which vLLM's Prometheus
 * client exports); a page without it is taken as the same replica every time.
 */
public final class QueueDepthProbe implements AutoCloseable {

    private final HttpClient http;
    private final URI metrics;
    private final AdaptiveConcurrency concurrency;
    private final ScheduledFuture<?> task;
    private final PreemptionCounter preemptions = new PreemptionCounter();

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
            String page = response.body();
            double waiting = sum(page, "vllm:num_requests_waiting");
            double running = sum(page, "vllm:num_requests_running");
            if (waiting >= 0 && running >= 0) {
                concurrency.onEngineSample(waiting, running, kvUsage(page), preemptions.newSince(page));
            }
        } catch (java.io.IOException | RuntimeException unreachable) {
            // no sample this round; latency-based control covers the gap
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The fullest engine's KV usage (0-1), or NaN when the server does not report it. */
    static double kvUsage(String page) {
        double usage = max(page, "vllm:kv_cache_usage_perc");
        return usage >= 0 ? usage : max(page, "vllm:gpu_cache_usage_perc"); // the name before vLLM 0.10
    }

    private static double max(String exposition, String metric) {
        double max = -1;
        for (String line : exposition.split("\n")) {
            if (isSample(line, metric)) {
                try {
                    max = Math.max(max, Double.parseDouble(valueOf(line)));
                } catch (NumberFormatException ignored) {
                    // a malformed sample line is skipped
                }
            }
        }
        return max >= 0 ? max : Double.NaN;
    }

    private static boolean isSample(String line, String metric) {
        return line.startsWith(metric) && line.length() > metric.length()
                && (line.charAt(metric.length()) == '{' || line.charAt(metric.length()) == ' ');
    }

    /** Sum of a gauge over all its label sets, or -1 when the metric is absent. */
    public static double sum(String exposition, String metric) {
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

    static String valueOf(String line) {
        int close = line.lastIndexOf('}');
        String rest = (close >= 0 ? line.substring(close + 1) : line.substring(line.indexOf(' '))).trim();
        return rest.split("\\s+")[0];
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
