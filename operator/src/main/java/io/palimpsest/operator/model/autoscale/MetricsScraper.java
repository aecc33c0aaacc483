package io.palimpsest.operator.model.autoscale;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.LeaderDuty;
import io.palimpsest.operator.PalimpsestConfig;
import io.palimpsest.operator.metrics.ModelMetrics;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The autoscaler's eyes, on its own schedule and never inside reconcile: every
 * autoscaling.periodSeconds it reads each ready replica's /metrics (in parallel, each request
 * bounded by palimpsest.autoscaler.scrape-timeout), stores the summed queue in
 * {@link ModelObservations}, and triggers the model's reconcile through an event source. For
 * external endpoints it checks /health instead. Models in keda mode are left to KEDA. Runs on
 * the leading replica only ({@link LeaderDuty}).
 *
 * <p>Each tick also forgets what is kept for models that no longer exist (their observations, series and
 * what the reconciler keeps, {@link #watch(IndexerResourceCache, Consumer)}): a model is deleted without a
 * finalizer, so nothing else tells of it. The ticks run with the autoscaler disabled too
 * (palimpsest.autoscaler.enabled=false), then only to forget.
 */
@ApplicationScoped
public class MetricsScraper implements LeaderDuty {
    private static final Logger LOG = Logger.getLogger(MetricsScraper.class);

    private final PodAddressResolver pods;
    private final ModelObservations observations;
    private final ModelMetrics metrics;
    private final PalimpsestConfig config;
    private final Clock clock;
    private final ReplicaMetricsClient client;
    private final SimpleInboundEventSource<RewriterModel> trigger = new SimpleInboundEventSource<>("metrics-scraper");
    private final Map<ResourceID, Instant> lastStarted = new ConcurrentHashMap<>();
    private final Set<ResourceID> inFlight = ConcurrentHashMap.newKeySet();
    private volatile IndexerResourceCache<RewriterModel> models;
    private volatile Consumer<Set<ResourceID>> retainModels = existing -> {};
    private ScheduledExecutorService executor;

    @Inject
    public MetricsScraper(
            PodAddressResolver pods,
            ModelObservations observations,
            ModelMetrics metrics,
            PalimpsestConfig config,
            Clock clock) {
        this.pods = pods;
        this.observations = observations;
        this.metrics = metrics;
        this.config = config;
        this.clock = clock;
        this.client = new ReplicaMetricsClient(config.autoscaler().scrapeTimeout(), clock);
    }

    /** The event source the RewriterModel reconciler registers; each scrape fires it for its model. */
    public SimpleInboundEventSource<RewriterModel> eventSource() {
        return trigger;
    }

    /** Called by the reconciler when its informers exist: the models to scrape. */
    public void watch(IndexerResourceCache<RewriterModel> models) {
        watch(models, existing -> {});
    }

    /**
     * As {@link #watch(IndexerResourceCache)}; {@code retainModels} is told the models that exist after each
     * tick, so that what the reconciler keeps per model goes with a deleted model.
     */
    public void watch(IndexerResourceCache<RewriterModel> models, Consumer<Set<ResourceID>> retainModels) {
        this.retainModels = retainModels;
        this.models = models;
    }

    /** Only the leading replica scrapes: it is the one that reconciles (and exports the queue series). */
    @Override
    public synchronized void startLeading() {
        if (executor != null) {
            return;
        }
        if (!config.autoscaler().enabled()) {
            LOG.info("autoscaler scraper disabled (palimpsest.autoscaler.enabled=false): its ticks only forget"
                    + " what is kept for deleted models");
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "palimpsest-metrics-scraper");
            t.setDaemon(true);
            return t;
        });
        long tick = config.autoscaler().tick().toMillis();
        executor.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stopLeading() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
        lastStarted.clear();
    }

    /** Ticks are scheduled (this replica leads). */
    public synchronized boolean running() {
        return executor != null;
    }

    void stop(@Observes ShutdownEvent ignored) {
        stopLeading();
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
            boolean scrape = config.autoscaler().enabled();
            Set<ResourceID> seen = new HashSet<>();
            all.forEach(model -> {
                ResourceID id = ResourceID.fromResource(model);
                seen.add(id);
                if (scrape && isDue(model, id, now) && inFlight.add(id)) {
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
            // Whatever holds a model's state, not only the scraped ones: keda-mode models have series,
            // and a reconcile that was in flight at the deletion may have written state after it.
            Set<ResourceID> known = new HashSet<>(lastStarted.keySet());
            known.addAll(observations.ids());
            known.addAll(metrics.ids());
            for (ResourceID gone : known) {
                if (!seen.contains(gone)) {
                    lastStarted.remove(gone);
                    observations.forget(gone);
                    metrics.forget(gone);
                }
            }
            retainModels.accept(seen);
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
        if (model.getSpec().getEndpoint() == null
                && a != null
                && a.getMode() == RewriterModelSpec.AutoscalingMode.keda) {
            return false;
        }
        int period = a == null || a.getPeriodSeconds() == null ? 15 : a.getPeriodSeconds();
        Instant last = lastStarted.get(id);
        return last == null || !now.isBefore(last.plusSeconds(period));
    }

    private CompletableFuture<Void> observe(RewriterModel model, ResourceID id) {
        if (model.getSpec().getEndpoint() != null) {
            return client.health(model.getSpec().getEndpoint().getUrl())
                    .thenAccept(h -> observations.recordHealth(id, h));
        }
        return client.sample(pods.readyReplicas(model)).thenAccept(sample -> {
            metrics.scrapeFailed(id, sample.podsFailed());
            if (sample.podsFailed() > 0 && sample.podsScraped() == 0) {
                // Every replica failed to answer: the load is unknown. Keeping the old sample lets
                // it go stale, so the recommender holds instead of scaling on zeros.
                return;
            }
            observations.recordSample(id, sample);
            metrics.queue(id, sample.waiting(), sample.running());
        });
    }
}
