package io.palimpsest.operator.model;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import java.util.Objects;

/**
 * Whether a model's Deployment runs its current pod template on every replica, read as {@code kubectl rollout
 * status} reads it. Its replicas are replaced one at a time (maxSurge 0, maxUnavailable 1), so while a spec edit
 * (image, arguments, served name, weights) rolls out, old replicas serve beside new ones and the ready count may
 * equal the wanted one: the counts alone would call the model settled on a spec only some replicas run.
 */
public final class DeploymentRollout {
    private DeploymentRollout() {}

    /**
     * What is left of a rollout, for the Progressing message, or null when there is none: no Deployment, no status
     * written by its controller yet, or every replica on the current template.
     */
    public static String of(Deployment deployment) {
        if (deployment == null || deployment.getStatus() == null) {
            return null;
        }
        DeploymentStatus status = deployment.getStatus();
        Long observed = status.getObservedGeneration();
        if (observed == null) {
            return null; // no controller has written this status: nothing to read a rollout from
        }
        int replicas = Objects.requireNonNullElse(status.getReplicas(), 0);
        Long generation = deployment.getMetadata().getGeneration();
        if (generation != null && observed < generation) {
            // Not taken yet. A change of the replica count alone (the autoscaler's) shows in the counts; the
            // same count asked again means the change was the template's (or another field's) and is rolled out.
            Integer wanted =
                    deployment.getSpec() == null ? null : deployment.getSpec().getReplicas();
            return wanted != null && wanted == replicas && replicas > 0
                    ? "rolling out a new pod template: the Deployment controller has not taken it yet"
                    : null;
        }
        int updated = Objects.requireNonNullElse(status.getUpdatedReplicas(), 0);
        return replicas > 0 && updated < replicas
                ? "rolling out a new pod template: " + updated + " of " + replicas + " replicas run it"
                : null;
    }
}
