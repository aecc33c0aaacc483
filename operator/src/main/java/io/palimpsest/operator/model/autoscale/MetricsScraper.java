package io.palimpsest.operator.model.autoscale;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.PalimpsestConfig;
import io.palimpsest.operator.metrics.ModelMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The autoscaler's eyes, on its own schedule and never inside reconcile: every
 * autoscaling.periodSeconds it reads each ready replica's /metrics (in parallel, each request
 * bounded by palimpsest.autoscaler.scrape-timeout), stores the summed queue in
 * {@link ModelObservations}, and triggers the model's reconcile through an event source. For
 * external endpoints it checks /health instead. Models in keda mode are left to KEDA.
 */
@ApplicationScoped
public class MetricsScraper {
    private static final Logger LOG = Logger.getLogger(MetricsScraper.class);

    private final PodAddressResolver pods;
    private final ModelObservations observations;
    private final ModelMetrics metrics;
    private final PalimpsestConfig config;
    private final Clock clock;
    private final HttpClient http;
    private final SimpleInboundEventSource<RewriterModel> trigger = new SimpleInboundEventSource<>("metrics-scraper");
    private final Map<ResourceID, Instant> lastStarted = new ConcurrentHashMap<>();
    private final Set<ResourceID> inFlight = ConcurrentHashMap.newKeySet();
    private volatile IndexerResourceCache<RewriterModel> models;
    private ScheduledExecutorService executor;

    @Inject
    public MetricsScraper(PodAddressResolver pods, ModelObservations observations, ModelMetrics metrics,
                          PalimpsestConfig config, Clock clock) {
        this.pods = pods;
        this.observations = observations;
        this.metrics = metrics;
        this.config = config;
        this.clock = clock;
        this.http = HttpClient.newBuilder()
                .connectTimeout(config.autoscaler().scrapeTimeout())
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** The event source the RewriterModel reconciler registers; each scrape fires it for its model. */
    public SimpleInboundEventSource<RewriterModel> eventSource() {
        return trigger;
    }

    /** Called by the reconciler when its informers exist: the models to scrape. */
    public void watch(IndexerResourceCache<RewriterModel> models) {
        this.models = models;
    }

    void start(@Observes StartupEvent ignored) {
        if (!config.autoscaler().enabled()) {
            LOG.info("autoscaler scraper disabled (palimpsest.autoscaler.enabled=false)");
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "palimpsest-metrics-scraper");
            t.setDaemon(true);
            return t;
        });
        long tick = config.autoscaler().tick().toMillis();
        executor.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent ignored) {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    void tick() {
        IndexerResourceCache<RewriterModel> cache = models;
        if (cache == null) {
            return;
        }
        List<RewriterModel> all;
        try {
            all = cache.list().toList();
        } catch (RuntimeException notStartedYet) {
            return;
        }
        try {
            Instant now = clock.instant();
            Set<ResourceID> seen = new HashSet<>();
            all.forEach(model -> {
                ResourceID id = ResourceID.fromResource(model);
                seen.add(id);
                if (isDue(model, id, now) && inFlight.add(id)) {
                    lastStarted.put(id, now);
                    observe(model, id).whenComplete((v, e) -> {
                        inFlight.remove(id);
                        if (e != null) {
                            LOG.warnf(e, "observing %s failed", id);
                        }
                        trigger.propagateEvent(id);
                    });
                }
            });
            for (ResourceID gone : new ArrayList<>(lastStarted.keySet())) {
                if (!seen.contains(gone)) {
                    lastStarted.remove(gone);
                    observations.forget(gone);
                    metrics.forget(gone);
                }
            }
        } catch (RuntimeException e) {
            // The schedule must survive anything one tick throws.
            LOG.warn("scraper tick failed", e);
        }
    }

    private boolean isDue(RewriterModel model, ResourceID id, Instant now) {
        if (model.getSpec() == null || model.getMetadata().getDeletionTimestamp() != null) {
            return false;
        }
        RewriterModelSpec.Autoscaling a = model.getSpec().getAutoscaling();
        if (model.getSpec().getEndpoint() == null && a != null && a.getMode() == RewriterModelSpec.AutoscalingMode.keda) {
            return false;
        }
        int period = a == null || a.getPeriodSeconds() == null ? 15 : a.getPeriodSeconds();
        Instant last = lastStarted.get(id);
        return last == null || !now.isBefore(last.plusSeconds(period));
    }

    private CompletableFuture<Void> observe(RewriterModel model, ResourceID id) {
        if (model.getSpec().getEndpoint() != null) {
            return checkHealth(model.getSpec().getEndpoint().getUrl())
                    .thenAccept(h -> observations.recordHealth(id, h));
        }
        List<URI> targets = pods.readyReplicas(model);
        List<CompletableFuture<VllmMetricsText.Gauges>> scrapes = targets.stream().map(this::scrape).toList();
        return CompletableFuture.allOf(scrapes.toArray(CompletableFuture[]::new))
                .handle((v, e) -> null)
                .thenAccept(v -> {
                    double waiting = 0;
                    double running = 0;
                    int ok = 0;
                    int failed = 0;
                    for (CompletableFuture<VllmMetricsText.Gauges> f : scrapes) {
                        if (f.isCompletedExceptionally()) {
                            failed++;
                        } else {
                            VllmMetricsText.Gauges g = f.join();
                            waiting += g.waiting();
                            running += g.running();
                            ok++;
                        }
                    }
                    QueueSample sample = new QueueSample((int) Math.round(waiting), (int) Math.round(running), ok, failed,
                            clock.instant());
                    if (failed > 0 && ok == 0) {
                        // Every replica failed to answer: the load is unknown, keep the old sample
                        // so it goes stale and the recommender holds instead of scaling on zeros.
                        metrics.scrapeFailed(id, failed);
                        return;
                    }
                    observations.recordSample(id, sample);
                    metrics.queue(id, sample.waiting(), sample.running());
                    metrics.scrapeFailed(id, failed);
                });
    }

    private CompletableFuture<VllmMetricsText.Gauges> scrape(URI base) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/metrics"))
                .timeout(config.autoscaler().scrapeTimeout())
                .GET().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> {
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException(base + "/metrics answered " + r.statusCode());
                    }
                    return VllmMetricsText.parse(r.body());
                });
    }

    /** vLLM answers /health; other OpenAI-compatible servers at least answer /v1/models (401 still means up). */
    private CompletableFuture<EndpointHealth> checkHealth(String baseUrl) {
        URI base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
        Duration timeout = config.autoscaler().scrapeTimeout();
        return http.sendAsync(HttpRequest.newBuilder(base.resolve("health")).timeout(timeout).GET().build(),
                        HttpResponse.BodyHandlers.discarding())
                .thenCompose(r -> r.statusCode() == 200
                        ? CompletableFuture.completedFuture(new EndpointHealth(true, "/health 200", clock.instant()))
                        : http.sendAsync(HttpRequest.newBuilder(base.resolve("v1/models")).timeout(timeout).GET().build(),
                                HttpResponse.BodyHandlers.discarding())
                        .thenApply(m -> new EndpointHealth(m.statusCode() < 500 && m.statusCode() != 404,
                                "/health " + r.statusCode() + ", /v1/models " + m.statusCode(), clock.instant())))
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
