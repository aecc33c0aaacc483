package io.palimpsest.operator.model.autoscale;

import io.palimpsest.api.v1alpha1.RewriterModel;

import java.net.URI;
import java.util.List;

/** Where the ready replicas of a model answer; tests substitute simulator addresses. */
public interface PodAddressResolver {
    /** Base URLs (scheme, host, port) of the model's ready vLLM pods. */
    List<URI> readyReplicas(RewriterModel model);
}
