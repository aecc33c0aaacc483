package io.palimpsest.operator.pods;

/**
 * Why an owner's pods do not start, as its status tells it: pods the scheduler or the kubelet hold
 * ({@link StuckPods.Summary}), or a Job that creates none ({@link JobsWithoutPods.NoPodCreated}).
 */
public sealed interface NotStarting permits StuckPods.Summary, JobsWithoutPods.NoPodCreated {
    /** The condition's reason: what a change of is worth one Warning Event. */
    String cause();

    /** One line for the Ready condition and the Event. */
    String text();
}
