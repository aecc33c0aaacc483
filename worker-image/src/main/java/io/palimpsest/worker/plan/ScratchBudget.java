package io.palimpsest.worker.plan;

import io.palimpsest.api.worker.PlannerScratch;
import io.palimpsest.worker.config.InvalidJobException;
import java.io.IOException;

/**
 * The local disk the duplicate-id pass may fill with sorted runs. On a cluster the planner's {@code /tmp} is an
 * emptyDir with a size limit (the operator's {@value #SETTING}), past which the kubelet evicts the pod, and it
 * would be evicted the same way on every retry; so the operator passes a bound under that limit ({@value #ENV},
 * bytes) and the pass stops at it with a message naming the setting, exit 78, instead of being evicted. A disk
 * that fills first (no bound given, or a node short of space) stops the plan the same way, not with a stack trace.
 *
 * <p>Only sorted ids take room here: the pass reads remote Parquet input files by byte ranges, as workers do, with
 * nothing of them on local disk. The budget is shared by the planner's reading threads and never passed, even for a
 * moment: a run that does not fit beside the runs on disk is refused at once, whatever the other threads do.
 */
public final class ScratchBudget {

    /** Bytes of sorted runs the planner may keep on local disk at once (unset: no bound but the disk's). */
    public static final String ENV = PlannerScratch.ENV;
    /** The operator setting that sizes the planner pod's scratch volume. */
    public static final String SETTING = PlannerScratch.SETTING;

    private final long limitBytes;
    private final String where;
    /** Bytes of sorted-id run files on disk (guarded by this). */
    private long runs;

    /** @param where the scratch folder, for messages */
    public ScratchBudget(long limitBytes, String where) {
        this.limitBytes = limitBytes;
        this.where = where;
    }

    public static ScratchBudget unbounded(String where) {
        return new ScratchBudget(Long.MAX_VALUE, where);
    }

    /** The budget the environment gives ({@value #ENV}), unbounded when it gives none. */
    public static ScratchBudget fromEnvironment(String value, String where) {
        if (value == null || value.isBlank()) {
            return unbounded(where);
        }
        try {
            long limit = Long.parseLong(value.trim());
            if (limit <= 0) {
                throw new NumberFormatException();
            }
            return new ScratchBudget(limit, where);
        } catch (NumberFormatException e) {
            throw new InvalidJobException(ENV + " must be a positive number of bytes, got '" + value + "'");
        }
    }

    public boolean bounded() {
        return limitBytes != Long.MAX_VALUE;
    }

    /** Takes {@code bytes} more of the budget for sorted ids before they are written; refuses past the bound. */
    synchronized void reserve(long bytes) {
        if (bytes > limitBytes - runs) {
            throw full("the sorted ids would take more than the " + limitBytes + " bytes it may use (" + ENV + ")");
        }
        runs += bytes;
    }

    synchronized void release(long bytes) {
        runs -= bytes;
    }

    synchronized long used() {
        return runs;
    }

    /** The plan's failure when the local disk filled up under the pass; the failure as it is for anything else. */
    RuntimeException translate(Throwable failure) {
        for (Throwable e = failure; e != null; e = e.getCause()) {
            if (e instanceof IOException
                    && e.getMessage() != null
                    && e.getMessage().contains("No space left on device")) {
                return full("the disk filled up (" + e.getMessage() + ")");
            }
        }
        return null;
    }

    private static final String SORT_SIZE = "it sorts every document id of the input (about its length + 24 bytes"
            + " each, twice while merging), so the same input fills it again on every retry";

    private InvalidJobException full(String what) {
        return new InvalidJobException("the duplicate-id pass ran out of local scratch space under " + where + ": "
                + what + "; " + SORT_SIZE + ". On a cluster raise the operator's "
                + SETTING + " (the planner pod's /tmp sizeLimit; helm: operator.extraEnv"
                + " PALIMPSEST_JOBS_PLANNER_SCRATCH_SIZE); with `palimpsest local`/`plan`, free space under "
                + where);
    }
}
