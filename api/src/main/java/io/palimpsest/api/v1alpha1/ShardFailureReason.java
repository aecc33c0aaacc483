package io.palimpsest.api.v1alpha1;

/**
 * The reasons the operator writes for a failed shard attempt in {@code status.recentFailures[].reason}
 * (and the ShardFailed Event's message). {@link #name()} is the word written (CamelCase, as
 * {@link JobReason}); users and alerts read these strings, so a constant is never renamed. A pod
 * that ended without a summary or a known exit code passes the kubelet's reason through as it is
 * (OOMKilled, DeadlineExceeded, ...); {@link #Error} is written only when the kubelet gave none.
 */
public enum ShardFailureReason {
    /** The shard's data cannot be processed (worker outcome badData, exit 42); retrying will not help. */
    BadData,
    /** The model server could not be reached (outcome modelUnreachable, exit 75). */
    ModelUnreachable,
    /** The object store was unavailable past the worker's outage limit (outcome storeUnreachable, exit 75). */
    StoreUnreachable,
    /** The model refused every request the same way (outcome modelConfig, exit 78); the same word as {@link JobReason#ModelConfig}. */
    ModelConfig,
    /** The worker refused to run a shard that has used its attempts as the operator counts them (exit 43). */
    AttemptsExhausted,
    /** Any other failure the worker reported (outcome error), or a pod that ended with no reason. */
    Error;

    /** The constant a recorded failure names, or null for none or a word that is not one of these (a kubelet reason). */
    public static ShardFailureReason parse(String reason) {
        if (reason == null) {
            return null;
        }
        for (ShardFailureReason r : values()) {
            if (r.name().equals(reason)) {
                return r;
            }
        }
        return null;
    }
}
