package io.palimpsest.api.worker;

/**
 * How many input shards the planner's duplicate-id pass reads at once ({@value #ENV}, a positive whole number). Unset,
 * it reads as many as the processors the JVM may use (in a container: the CPU limit, or the node's cores when there is
 * none). The index the pass writes is the same whatever the number; only its speed and memory change.
 */
public final class PlannerThreads {

    /** Shards the planner reads at once. */
    public static final String ENV = "PALIMPSEST_PLANNER_THREADS";

    private PlannerThreads() {}
}
