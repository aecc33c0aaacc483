package io.palimpsest.api.worker;

/**
 * How many input shards the planner's duplicate-id pass reads at once ({@value #ENV}, a positive whole number). Unset,
 * it reads as many as the processors the JVM may use (in a container: the CPU limit, or the node's cores when there is
 * none). The index the pass writes is the same whatever the number; only its speed and memory change.
 */
public final class PlannerThreads {

    /** Shards the planner reads at once. */
    public static final String ENV = "PALIMPSEST_PLANNER_THREADS";

    /** The operator setting the planner pod's {@value #ENV} comes from. */
    public static final String SETTING = "palimpsest.jobs.planner-threads";

    /**
     * The setting's default: the planner pod requests no CPU and has no CPU limit, so the JVM would see every core of
     * its node. Four is not a measured optimum: on two free cores two threads took the reading part of the pass 1.58x
     * as fast as one (docs/BENCHMARKS.md); the one-thread merge bounds what more threads can give.
     */
    public static final int DEFAULT = 4;

    private PlannerThreads() {}
}
