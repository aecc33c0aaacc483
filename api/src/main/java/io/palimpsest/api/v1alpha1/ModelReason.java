package io.palimpsest.api.v1alpha1;

/**
 * The reasons a RewriterModel's conditions carry. Each constant's {@code name()} is the string
 * written into status (and shown by {@code kubectl describe}, Argo CD and the docs), so the names
 * are CamelCase and must not change.
 */
public enum ModelReason {
    /** The spec is refused (admission policy, bad autoscaling bounds, a name too long); nothing is made from it. */
    InvalidSpec,
    /** The one-shot Job copying weights into the cache volume is running. */
    DownloadingWeights,
    /** The weight download Job failed; the model cannot start until the spec changes. */
    WeightDownloadFailed,
    /** Replicas are wanted but none is ready yet. */
    Loading,
    /** The replica count is moving towards the desired one. */
    Scaling,
    /**
     * A new pod template (a spec edit: image, arguments, served name, weights) is replacing the replicas one at a
     * time while the others still run the old one; on the Progressing condition until every replica runs it.
     */
    RollingOut,
    /** As many replicas are ready as are wanted. */
    ReplicasReady,
    /** No replica is wanted or running; work wakes the model. */
    ScaledToZero,
    /** The Deployment exceeded its progress deadline (the Deployment controller's own reason). */
    ProgressDeadlineExceeded,
    /**
     * A vLLM or weight download pod has not started for longer than the progress deadline (no node
     * fits, an image that cannot be pulled, a missing Secret, a crash loop), or the Deployment
     * cannot create pods (a ResourceQuota or LimitRange refuses them). Also on a scale-up or a
     * wake-up from zero, which the Deployment's own progress deadline does not cover.
     */
    PodsNotStarting,
    /** autoscaling.mode keda, and the ScaledObject could not be made (KEDA not installed, refused). */
    ScaledObjectFailed,
    /**
     * The operator's role lacks a grant a call for the model needs (403): the message names the verb and
     * resource. The operator tries again every 15 s; the model goes on once the role is fixed.
     */
    Forbidden,
    /**
     * The API server refused an object made from the spec (422), e.g. a toleration effect or a
     * nodeSelector key it does not accept: the message is the server's, naming the field. The same object
     * is refused until the spec changes.
     */
    RejectedByApiServer,
    /** Nothing is degraded. */
    AsExpected,
    /** An external endpoint not probed yet. */
    EndpointNotCheckedYet,
    EndpointHealthy,
    EndpointUnhealthy
}
