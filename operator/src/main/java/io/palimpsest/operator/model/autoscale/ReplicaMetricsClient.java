package io.palimpsest.operator.model.autoscale;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The HTTP side of the autoscaler: reads /metrics of many replicas at once and sums their queue,
 * and checks an external endpoint's health. Asynchronous: one slow replica costs its timeout,
 * not a thread.
 */
public final class ReplicaMetricsClient {
    private final HttpClient http;
    private final Duration timeout;
    private final Clock clock;

    public ReplicaMetricsClient(Duration timeout, Clock clock) {
        this.timeout = timeout;
        this.clock = clock;
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** The summed queue; podsFailed counts replicas that did not answer with a vLLM metrics page in time. */
    public CompletableFuture<QueueSample> sample(List<URI> replicas) {
        List<CompletableFuture<VllmMetricsText.Gauges>> scrapes =
                replicas.stream().map(this::scrape).toList();
        return CompletableFuture.allOf(scrapes.toArray(CompletableFuture[]::new))
                .handle((v, e) -> {
                    double waiting = 0;
                    double running = 0;
                    int ok = 0;
                    int failed = 0;
                    double kvSum = 0;
                    int kvReported = 0;
                    int busy = 0;
                    for (CompletableFuture<VllmMetricsText.Gauges> f : scrapes) {
                        if (f.isCompletedExceptionally()) {
                            failed++;
                        } else {
                            VllmMetricsText.Gauges g = f.join();
                            waiting += g.waiting();
                            running += g.running();
                            ok++;
                            if (g.running() > 0) {
                                busy++;
                                if (!Double.isNaN(g.kvUsage())) {
                                    kvSum += g.kvUsage();
                                    kvReported++;
                                }
                            }
                        }
                    }
                    return new QueueSample(
                            (int) Math.round(waiting),
                            (int) Math.round(running),
                            ok,
                            failed,
                            clock.instant(),
                            kvReported == 0 ? Double.NaN : kvSum / kvReported,
                            busy);
                });
    }

    private CompletableFuture<VllmMetricsText.Gauges> scrape(URI base) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/metrics"))
                .timeout(timeout)
                .GET()
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
            if (r.statusCode() != 200) {
                throw new IllegalStateException(base + "/metrics answered " + r.statusCode());
            }
            return VllmMetricsText.parse(r.body());
        });
    }

    /** vLLM answers /health; other OpenAI-compatible servers at least answer /v1/models (401 still means up). */
    public CompletableFuture<EndpointHealth> health(String baseUrl) {
        URI base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
        return http.sendAsync(
                        HttpRequest.newBuilder(base.resolve("health"))
                                .timeout(timeout)
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .thenCompose(r -> r.statusCode() == 200
                        ? CompletableFuture.completedFuture(new EndpointHealth(true, "/health 200", clock.instant()))
                        : http.sendAsync(
                                        HttpRequest.newBuilder(base.resolve("v1/models"))
                                                .timeout(timeout)
                                                .GET()
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .thenApply(m -> new EndpointHealth(
                                        m.statusCode() < 500 && m.statusCode() != 404,
                                        "/health " + r.statusCode() + ", /v1/models " + m.statusCode(),
                                        clock.instant())))
                .exceptionally(e -> new EndpointHealth(false, rootMessage(e), clock.instant()));
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
