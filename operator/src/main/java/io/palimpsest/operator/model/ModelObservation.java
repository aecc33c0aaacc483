package io.palimpsest.operator.model;

import io.palimpsest.operator.model.autoscale.EndpointHealth;

/**
 * Everything the status of a RewriterModel is decided from, gathered from caches by the reconciler.
 *
 * @param replicas       pods the Deployment has (status.replicas)
 * @param readyReplicas  pods that pass readiness
 * @param rolloutStuck   the Deployment exceeded its progress deadline (pods crash or never load)
 * @param problem        a failure to surface that is not covered above (e.g. KEDA not installed), or null
 * @param notStarting    why some of the model's pods do not start, or null
 * @param downloadJob    the weight download Job's name, or null (no download)
 * @param namespace      the model's namespace, or null
 * @param rollout        how far the Deployment is from running its current pod template on every replica
 *                       ({@link DeploymentRollout}), or null when it runs it
 */
public record ModelObservation(
        boolean external,
        EndpointHealth endpointHealth,
        WeightsState weights,
        int replicas,
        int readyReplicas,
        int desiredReplicas,
        boolean rolloutStuck,
        String problem,
        ModelPodsNotStarting notStarting,
        String downloadJob,
        String namespace,
        String rollout) {

    /** An observation in which every pod starts, with no download Job named, and no rollout under way. */
    public ModelObservation(
            boolean external,
            EndpointHealth endpointHealth,
            WeightsState weights,
            int replicas,
            int readyReplicas,
            int desiredReplicas,
            boolean rolloutStuck,
            String problem) {
        this(
                external,
                endpointHealth,
                weights,
                replicas,
                readyReplicas,
                desiredReplicas,
                rolloutStuck,
                problem,
                null,
                null,
                null,
                null);
    }
}
