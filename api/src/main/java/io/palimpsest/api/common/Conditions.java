package io.palimpsest.api.common;

/** Condition types and reasons shared by both resources (kstatus-compatible). */
public final class Conditions {
    private Conditions() {
    }

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

    // reasons (a RewriteJob's are JobReason)
    public static final String REASON_INVALID_SPEC = "InvalidSpec";
    public static final String REASON_WAITING_FOR_MODEL = "WaitingForModel";
    public static final String REASON_LOADING = "Loading";
    public static final String REASON_REPLICAS_READY = "ReplicasReady";
    public static final String REASON_REPLICAS_UNAVAILABLE = "ReplicasUnavailable";
    public static final String REASON_SCALED_TO_ZERO = "ScaledToZero";
    public static final String REASON_ENDPOINT_HEALTHY = "EndpointHealthy";
    public static final String REASON_ENDPOINT_UNHEALTHY = "EndpointUnhealthy";
    public static final String REASON_DOWNLOAD_FAILED = "WeightDownloadFailed";
}
