package io.palimpsest.operator.metrics;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.palimpsest.api.v1alpha1.ModelPhase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * RewriterModel metrics on /q/metrics, tagged by namespace and model:
 * palimpsest_model_reconciles_total, palimpsest_model_reconcile_errors_total,
 * palimpsest_model_replicas_desired, palimpsest_model_replicas_ready,
 * palimpsest_model_queue_waiting, palimpsest_model_queue_running,
 * palimpsest_model_scrape_failures_total, palimpsest_model_phase (tagged by phase: 1 for the current one).
 * The replica, queue and scrape series exist only for models whose replicas the operator runs: a
 * model with {@code spec.endpoint} has no replicas here, and a 0 would read as "no ready replica"
 * (the chart's ModelAtZeroWithPendingWork alert).
 */
@ApplicationScoped
public class ModelMetrics {
    private final MeterRegistry registry;
    private final Map<ResourceID, PerModel> models = new ConcurrentHashMap<>();

    @Inject
    public ModelMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * @param operated the operator runs the model's replicas (no {@code spec.endpoint}): the replica,
     *                 queue and scrape series exist (at 0 until set); otherwise they are dropped, so a
     *                 model switched to an external endpoint keeps none at its last value
     */
    public void reconciled(ResourceID id, boolean operated) {
        PerModel m = of(id);
        m.reconciles.increment();
        if (operated) {
            operated(id, m);
        } else {
            dropOperated(m);
        }
    }

    public void reconcileFailed(ResourceID id) {
        of(id).errors.increment();
    }

    public void replicas(ResourceID id, int desired, int ready) {
        PerModel m = operated(id, of(id));
        m.desired.set(desired);
        m.ready.set(ready);
    }

    /** The phase the model's status was given, exported as 1 for it and 0 for the others. */
    public void phase(ResourceID id, ModelPhase phase) {
        of(id).phase.set(phase);
    }

    public void queue(ResourceID id, int waiting, int running) {
        PerModel m = operated(id, of(id));
        m.waiting.set(waiting);
        m.running.set(running);
    }

    public void scrapeFailed(ResourceID id, int failedPods) {
        if (failedPods > 0) {
            operated(id, of(id)).scrapeFailures.increment(failedPods);
        }
    }

    /** Every model with series. */
    public Set<ResourceID> ids() {
        return Set.copyOf(models.keySet());
    }

    /** Drops the series of a deleted model so they do not linger at their last value. */
    public void forget(ResourceID id) {
        PerModel m = models.remove(id);
        if (m != null) {
            m.meters.forEach(registry::remove);
            dropOperated(m);
        }
    }

    private PerModel of(ResourceID id) {
        return models.computeIfAbsent(id, this::register);
    }

    private PerModel register(ResourceID id) {
        Tags tags = tags(id);
        PerModel m = new PerModel();
        Counter reconciles = Counter.builder("palimpsest.model.reconciles")
                .tags(tags)
                .description("Reconciles of the RewriterModel")
                .register(registry);
        Counter errors = Counter.builder("palimpsest.model.reconcile.errors")
                .tags(tags)
                .description("Reconciles that ended in an exception")
                .register(registry);
        m.reconciles = reconciles;
        m.errors = errors;
        List<Meter> meters = new ArrayList<>(List.of(reconciles, errors));
        for (ModelPhase phase : ModelPhase.values()) {
            meters.add(Gauge.builder("palimpsest.model.phase", m.phase, p -> p.get() == phase ? 1 : 0)
                    .tags(tags.and("phase", phase.name()))
                    .description("1 for the RewriterModel's current phase")
                    .register(registry));
        }
        m.meters = meters;
        return m;
    }

    /** The model's replica, queue and scrape series, registered the first time it is operated. */
    private synchronized PerModel operated(ResourceID id, PerModel m) {
        if (m.operated != null) {
            return m;
        }
        Tags tags = tags(id);
        Counter scrapeFailures = Counter.builder("palimpsest.model.scrape.failures")
                .tags(tags)
                .description("Replica /metrics scrapes that failed or timed out")
                .register(registry);
        m.scrapeFailures = scrapeFailures;
        m.operated = List.of(
                scrapeFailures,
                gauge("palimpsest.model.replicas.desired", tags, m.desired, "Replicas the autoscaler asks for"),
                gauge("palimpsest.model.replicas.ready", tags, m.ready, "Replicas that pass readiness"),
                gauge(
                        "palimpsest.model.queue.waiting",
                        tags,
                        m.waiting,
                        "vllm:num_requests_waiting summed over replicas"),
                gauge(
                        "palimpsest.model.queue.running",
                        tags,
                        m.running,
                        "vllm:num_requests_running summed over replicas"));
        return m;
    }

    private synchronized void dropOperated(PerModel m) {
        if (m.operated != null) {
            m.operated.forEach(registry::remove);
            m.operated = null;
            m.desired.set(0);
            m.ready.set(0);
            m.waiting.set(0);
            m.running.set(0);
        }
    }

    private static Tags tags(ResourceID id) {
        return Tags.of("namespace", id.getNamespace().orElse(""), "model", id.getName());
    }

    private Meter gauge(String name, Tags tags, AtomicLong value, String description) {
        return Gauge.builder(name, value, AtomicLong::get)
                .tags(tags)
                .description(description)
                .register(registry);
    }

    private static final class PerModel {
        final AtomicLong desired = new AtomicLong();
        final AtomicLong ready = new AtomicLong();
        final AtomicLong waiting = new AtomicLong();
        final AtomicLong running = new AtomicLong();
        final AtomicReference<ModelPhase> phase = new AtomicReference<>();
        Counter reconciles;
        Counter errors;
        Counter scrapeFailures;
        List<Meter> meters;
        /** The replica, queue and scrape meters, or null while the model has none (an external endpoint). */
        List<Meter> operated;
    }
}
