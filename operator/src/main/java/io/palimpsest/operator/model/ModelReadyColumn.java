package io.palimpsest.operator.model;

import io.palimpsest.api.v1alpha1.RewriterModelStatus;

/**
 * The status's {@code ready} ("1/4"): the replicas that answer of those the autoscaler asks for, one cell as
 * {@code kubectl get} shows a Deployment's READY, kept beside the two numbers it is made of.
 */
final class ModelReadyColumn {

    private ModelReadyColumn() {}

    /** Null when neither count is known (an external endpoint, a spec refused before any replica was asked for). */
    static String of(RewriterModelStatus status) {
        Integer ready = status.getReadyReplicas();
        Integer desired = status.getDesiredReplicas();
        if (ready == null && desired == null) {
            return null;
        }
        return (ready == null ? 0 : ready) + "/" + (desired == null ? 0 : desired);
    }
}
