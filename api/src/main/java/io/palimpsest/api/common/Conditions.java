package io.palimpsest.api.common;

/**
 * Condition types shared by both resources (kstatus-compatible). Their reasons are typed: a
 * RewriteJob's {@link io.palimpsest.api.v1alpha1.JobReason}, a RewriterModel's
 * {@link io.palimpsest.api.v1alpha1.ModelReason}.
 */
public final class Conditions {
    private Conditions() {}

    public static final String TRUE = "True";
    public static final String FALSE = "False";
    public static final String UNKNOWN = "Unknown";

    // types
    public static final String READY = "Ready";
    public static final String PROGRESSING = "Progressing";
    public static final String DEGRADED = "Degraded";
    public static final String COMPLETE = "Complete";
    public static final String FAILED = "Failed";
    /** kstatus: the resource is in an error state that needs a user's action. */
    public static final String STALLED = "Stalled";
    /** kstatus: the controller is still working towards the spec. */
    public static final String RECONCILING = "Reconciling";
    /**
     * RewriteJob: some of its pods do not start (an image that cannot be pulled, a missing Secret,
     * no node that fits). Present, True, only while it lasts; its reason is the scheduler's or the
     * kubelet's (ImagePullBackOff, CreateContainerConfigError, Unschedulable, ...). RewriterModel:
     * the same for its vLLM and weight download pods, and FailedCreate when its Deployment cannot
     * create pods (a ResourceQuota or LimitRange), once it has lasted the progress deadline.
     */
    public static final String PODS_NOT_STARTING = "PodsNotStarting";
}
