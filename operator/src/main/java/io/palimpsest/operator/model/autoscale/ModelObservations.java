package io.palimpsest.operator.model.autoscale;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the scraper last saw per model, and the recommender's memory between reconciles. Written
 * by the scraper thread and the reconciler; both sides only replace whole immutable values.
 * Lost on restart by design: a fresh scrape and an empty history are safe starting points.
 */
@ApplicationScoped
public class ModelObservations {
    private final Map<ResourceID, QueueSample> samples = new ConcurrentHashMap<>();
    private final Map<ResourceID, EndpointHealth> health = new ConcurrentHashMap<>();
    private final Map<ResourceID, ScalingHistory> histories = new ConcurrentHashMap<>();

    public Optional<QueueSample> sample(ResourceID id) {
        return Optional.ofNullable(samples.get(id));
    }

    public void recordSample(ResourceID id, QueueSample sample) {
        samples.put(id, sample);
    }

    public Optional<EndpointHealth> health(ResourceID id) {
        return Optional.ofNullable(health.get(id));
    }

    public void recordHealth(ResourceID id, EndpointHealth h) {
        health.put(id, h);
    }

    public ScalingHistory history(ResourceID id) {
        return histories.getOrDefault(id, ScalingHistory.empty());
    }

    public void recordHistory(ResourceID id, ScalingHistory h) {
        histories.put(id, h);
    }

    /** Every model something is kept for. */
    public Set<ResourceID> ids() {
        Set<ResourceID> ids = new HashSet<>(samples.keySet());
        ids.addAll(health.keySet());
        ids.addAll(histories.keySet());
        return ids;
    }

    public void forget(ResourceID id) {
        samples.remove(id);
        health.remove(id);
        histories.remove(id);
    }
}
