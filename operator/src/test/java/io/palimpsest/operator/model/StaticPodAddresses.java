package io.palimpsest.operator.model;

import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.model.autoscale.PodAddressResolver;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The mock API server runs no pods: tests say which simulator addresses stand for a model's
 * ready replicas. Replaces the informer-based resolver (a @DefaultBean) in every Quarkus test.
 */
@ApplicationScoped
public class StaticPodAddresses implements PodAddressResolver {
    private final Map<String, List<URI>> byModel = new ConcurrentHashMap<>();

    public void set(String model, List<URI> replicas) {
        byModel.put(model, List.copyOf(replicas));
    }

    public void clear(String model) {
        byModel.remove(model);
    }

    @Override
    public List<URI> readyReplicas(RewriterModel model) {
        return byModel.getOrDefault(model.getMetadata().getName(), List.of());
    }
}
