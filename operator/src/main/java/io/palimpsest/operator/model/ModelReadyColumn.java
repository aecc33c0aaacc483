package io.palimpsest.operator.model;

import io.palimpsest.api.v1alpha1.RewriterModelStatus;
import io.palimpsest.operator.model.autoscale.EndpointHealth;

/**
 * The status's {@code ready}, one cell of {@code kubectl get rewritermodels}: for a model with replicas of its own,
 * the replicas that answer of those asked for ("1/4"), as {@code kubectl get} shows a Deployment's READY, kept
 * beside the two numbers it is made of; for an external endpoint, which has no replicas of ours, what the
 * operator's last health check of it found.
 */
final class ModelReadyColumn {
    static final String REACHABLE = "reachable";
    static final String UNREACHABLE = "unreachable";
    static final String UNCHECKED = "unchecked";

    private ModelReadyColumn() {}

    /**
     * A count not known is 0: before anything was asked for (a spec refused before any replica was) the column
     * reads 0/0, as a Deployment at zero does, not blank.
     */
    static String deployed(RewriterModelStatus status) {
        Integer ready = status.getReadyReplicas();
        Integer desired = status.getDesiredReplicas();
        return (ready == null ? 0 : ready) + "/" + (desired == null ? 0 : desired);
    }

    /** @param health the last health check of the endpoint, or null before the first */
    static String external(EndpointHealth health) {
        return health == null ? UNCHECKED : health.healthy() ? REACHABLE : UNREACHABLE;
    }
}
