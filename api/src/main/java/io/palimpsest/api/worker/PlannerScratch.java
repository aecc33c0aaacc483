package io.palimpsest.api.worker;

/**
 * The planner pod's local scratch ({@code /tmp}, an emptyDir), where the duplicate-id pass spills its sorted ids.
 * The operator sizes the volume ({@value #SETTING}) and tells the planner a bound under it ({@value #ENV}), so the
 * pass stops with a message naming the setting (exit 78) before the kubelet evicts the pod for passing the
 * volume's size limit, which it would do again on every retry.
 */
public final class PlannerScratch {

    /** Bytes of sorted runs the planner may keep on local disk at once. */
    public static final String ENV = "PALIMPSEST_SCRATCH_LIMIT";

    /** The operator setting that sizes the planner pod's {@code /tmp} emptyDir (a Kubernetes quantity). */
    public static final String SETTING = "palimpsest.jobs.planner-scratch-size";

    /** The setting's default. */
    public static final String DEFAULT_SIZE = "200Gi";

    private PlannerScratch() {}

    /**
     * The bound the planner is given for a volume of {@code sizeLimitBytes}: nine tenths, leaving room for the
     * shards' duplicate lists written beside the runs and anything else under /tmp.
     */
    public static long budget(long sizeLimitBytes) {
        return sizeLimitBytes / 10 * 9;
    }
}
