package io.palimpsest.operator.model.autoscale;

import io.palimpsest.api.v1alpha1.RewriterModel;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/** Where the ready replicas of a model answer; tests substitute simulator addresses. */
public interface PodAddressResolver {
    /** Base URLs (scheme, host, port) of the model's ready vLLM pods. */
    List<URI> readyReplicas(RewriterModel model);

    /**
     * How long the model's recent replicas took from their pod's creation to Ready, when its pods
     * were seen; empty when none was (or this resolver does not watch pods).
     */
    default Optional<ReplicaLoadTimes.Measured> loadTimes(RewriterModel model) {
        return Optional.empty();
    }
}
