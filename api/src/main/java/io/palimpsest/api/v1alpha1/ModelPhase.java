package io.palimpsest.api.v1alpha1;

/** Lifecycle of a RewriterModel. */
public enum ModelPhase {
    Pending,
    Loading,
    Ready,
    ScaledToZero,
    Degraded,
    Failed
}
