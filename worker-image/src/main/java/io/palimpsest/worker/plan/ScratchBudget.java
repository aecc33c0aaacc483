package io.palimpsest.worker.plan;

import io.palimpsest.api.worker.PlannerScratch;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.format.DocumentReaders;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The local disk the duplicate-id pass may fill with sorted runs. On a cluster the planner's {@code /tmp} is an
 * emptyDir with a size limit (the operator's {@value #SETTING}), past which the kubelet evicts the pod, and it
 * would be evicted the same way on every retry; so the operator passes a bound under that limit ({@value #ENV},
 * bytes) and the pass stops at it with a message naming the setting, exit 78, instead of being evicted. A disk
 * that fills first (no bound given, or a node short of space) stops the plan the same way, not with a stack trace.
 *
 * <p>The local copies the planner makes of remote Parquet input files (read whole, from a random-access copy) come
 * out of the same budget, each taken before it is downloaded and given back when it is deleted: a large Parquet file
 * stops the plan naming the file and the setting, instead of filling the disk unnoticed. The budget is shared by the
 * planner's reading threads and never passed, even for a moment.
 */
public final class ScratchBudget implements DocumentReaders.LocalCopies {

    /** Bytes of sorted runs the planner may keep on local disk at once (unset: no bound but the disk's). */
    public static final String ENV = PlannerScratch.ENV;
    /** The operator setting that sizes the planner pod's scratch volume. */
    public static final String SETTING = PlannerScratch.SETTING;

    private final long limitBytes;
    private final String where;
    private final AtomicLong used = new AtomicLong();

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

    /** Takes {@code bytes} more of the budget before they are written; refuses past the bound. */
    void reserve(long bytes) {
        if (!take(bytes)) {
            throw full(
                    "the sorted ids would take more than the " + limitBytes + " bytes it may use (" + ENV + ")",
                    SORT_SIZE);
        }
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    /** Takes {@code bytes} unless that would pass the bound (checked and taken at once, whatever the threads). */
    private boolean take(long bytes) {
        while (true) {
            long now = used.get();
            if (bytes > limitBytes - now) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /** Takes the room of the local copy of input file {@code file} before it is downloaded; refuses past the bound. */
    @Override
    public void reserveCopy(String file, long bytes) {
        if (!take(bytes)) {
            throw full(
                    "the local copy of the Parquet input file " + file + " (" + bytes + " bytes, read from a local"
                            + " copy since Parquet needs random access) would take it past the " + limitBytes
                            + " bytes it may use (" + ENV + "; " + used.get() + " bytes in use by sorted ids and"
                            + " other copies)",
                    "every planner thread holds the copy of the Parquet file it reads, beside the sorted ids, so the"
                            + " same input fills it again on every retry");
        }
    }

    @Override
    public void releaseCopy(long bytes) {
        release(bytes);
    }

    long used() {
        return used.get();
    }

    /** The plan's failure when the local disk filled up under the pass; the failure as it is for anything else. */
    RuntimeException translate(Throwable failure) {
        for (Throwable e = failure; e != null; e = e.getCause()) {
            if (e instanceof IOException
                    && e.getMessage() != null
                    && e.getMessage().contains("No space left on device")) {
                return full("the disk filled up (" + e.getMessage() + ")", SORT_SIZE);
            }
        }
        return null;
    }

    private static final String SORT_SIZE = "it sorts every document id of the input (about its length + 24 bytes"
            + " each, twice while merging), so the same input fills it again on every retry";

    private InvalidJobException full(String what, String why) {
        return new InvalidJobException("the duplicate-id pass ran out of local scratch space under " + where + ": "
                + what + "; " + why + ". On a cluster raise the operator's "
                + SETTING + " (the planner pod's /tmp sizeLimit; helm: operator.extraEnv"
                + " PALIMPSEST_JOBS_PLANNER_SCRATCH_SIZE); with `palimpsest local`/`plan`, free space under "
                + where);
    }
}
