package io.palimpsest.api.common;

/**
 * Condition types shared by both resources (kstatus-compatible) and the RewriteJob's reasons; a
 * RewriterModel's reasons are {@link io.palimpsest.api.v1alpha1.ModelReason}.
 */
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

    // reasons
    public static final String REASON_INVALID_SPEC = "InvalidSpec";
    public static final String REASON_MODEL_NOT_FOUND = "ModelNotFound";
    public static final String REASON_PLANNING = "Planning";
    public static final String REASON_PLANNING_FAILED = "PlanningFailed";
    public static final String REASON_RUNNING = "Running";
    public static final String REASON_SUSPENDED = "Suspended";
    public static final String REASON_SHARDS_FAILED = "ShardsFailed";
    public static final String REASON_TOO_MANY_FAILED_SHARDS = "TooManyFailedShards";
    public static final String REASON_ALL_SHARDS_COMMITTED = "AllShardsCommitted";
}
