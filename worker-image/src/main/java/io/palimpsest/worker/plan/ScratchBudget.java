package io.palimpsest.worker.plan;

import io.palimpsest.api.worker.PlannerScratch;
import io.palimpsest.worker.config.InvalidJobException;
import io.palimpsest.worker.format.DocumentReaders;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The local disk the duplicate-id pass may fill with sorted runs. On a cluster the planner's {@code /tmp} is an
 * emptyDir with a size limit (the operator's {@value #SETTING}), past which the kubelet evicts the pod, and it
 * would be evicted the same way on every retry; so the operator passes a bound under that limit ({@value #ENV},
 * bytes) and the pass stops at it with a message naming the setting, exit 78, instead of being evicted. A disk
 * that fills first (no bound given, or a node short of space) stops the plan the same way, not with a stack trace.
 *
 * <p>The local copies the planner makes of remote Parquet input files (read whole, from a random-access copy) come
 * out of the same budget, each taken before it is downloaded and given back when it is deleted (by the thread that took
 * it): a Parquet file larger than the bound less the sorted ids on disk stops the plan naming the file and the setting,
 * instead of filling the disk unnoticed. The budget is shared by the planner's reading threads and never passed, even
 * for a moment. A copy that fits but for the copies other threads hold at that moment waits for them to be given back
 * rather than stop the plan, so that whether a copy is refused does not depend on the number of threads nor on their
 * timing: the largest Parquet file beside the sorted ids is what the bound must hold, not one copy per thread. A thread
 * waits for a copy only while it holds none, and copies are held only while their file is read, so the waits end.
 *
 * <p>A run of sorted ids that would not fit beside the sorted ids on disk and the copy its own thread holds is refused
 * at once; one that fits but for the copies other threads hold waits for them as a copy does, while some other thread
 * holding a copy is still reading (not itself waiting): that thread gives its copy back or comes to wait too. When
 * every other thread holding a copy waits for room for sorted ids, no copy would ever be given back, so the run is
 * refused rather than wait (the same message: the bound is too small for these copies and runs at once). Runs waiting
 * go before copies waiting: no copy is taken while a run waits, so the room a finished file gives back goes to the runs
 * of the threads still reading rather than to a new copy that would hold it. A pass that stops ({@link #stopWaiting}) or
 * an interrupted thread ends the waits.
 */
public final class ScratchBudget implements DocumentReaders.LocalCopies {

    /** Bytes of sorted runs the planner may keep on local disk at once (unset: no bound but the disk's). */
    public static final String ENV = PlannerScratch.ENV;
    /** The operator setting that sizes the planner pod's scratch volume. */
    public static final String SETTING = PlannerScratch.SETTING;

    private final long limitBytes;
    private final String where;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled whenever {@link #runs}, {@link #copies} or the runs waiting change, or the waits are stopped. */
    private final Condition changed = lock.newCondition();
    /** Bytes of sorted-id run files on disk (guarded by {@link #lock}). */
    private long runs;
    /** Bytes of local copies of Parquet input files on disk (guarded by {@link #lock}). */
    private long copies;
    /** The bytes of copies each thread holds (guarded by {@link #lock}). */
    private final Map<Thread, Long> held = new HashMap<>();
    /** Threads waiting in {@link #reserveCopy} for other copies to be given back (guarded by {@link #lock}). */
    private final Set<Thread> copyWaiters = new HashSet<>();
    /** Threads waiting in {@link #reserve} for other threads' copies to be given back (guarded by {@link #lock}). */
    private final Set<Thread> runWaiters = new HashSet<>();
    /** Set by {@link #stopWaiting}: the pass stopped, so no copy is waited for (guarded by {@link #lock}). */
    private boolean stopped;

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

    /**
     * Takes {@code bytes} more of the budget for sorted ids before they are written. Refuses at once past the bound
     * less the sorted ids on disk and the copy this thread holds (it cannot give that back before its run is
     * written); waits while the run fits but for the copies other threads hold and one of those threads is still
     * reading, so will give its copy back or come to wait too; refuses when every other thread holding a copy waits
     * for room itself (none would give one back).
     *
     * @throws InterruptedIOException when the thread is interrupted, or the pass {@linkplain #stopWaiting stopped},
     *                                while it waits
     */
    void reserve(long bytes) throws InterruptedIOException {
        Thread me = Thread.currentThread();
        lock.lock();
        boolean waited = false;
        try {
            while (true) {
                long mine = held.getOrDefault(me, 0L);
                if (bytes > limitBytes - runs - mine) {
                    throw full(
                            "the sorted ids would take more than the " + limitBytes + " bytes it may use (" + ENV + ")",
                            SORT_SIZE);
                }
                if (bytes <= limitBytes - runs - copies) {
                    runs += bytes;
                    changed.signalAll(); // a waiting copy that can no longer fit beside the sorted ids is refused now
                    return;
                }
                if (stopped) {
                    throw new InterruptedIOException(
                            "the duplicate-id pass stopped before a run of sorted ids was written");
                }
                if (!anotherHolderReads(me)) {
                    throw full(
                            "the sorted ids would take more than the " + limitBytes + " bytes it may use (" + ENV
                                    + ") beside the " + (copies - mine) + " bytes of local copies of Parquet input"
                                    + " files that the planner's other threads hold while each waits for room for"
                                    + " its own sorted ids",
                            SORT_SIZE);
                }
                if (!waited) {
                    waited = true;
                    runWaiters.add(me);
                    changed.signalAll(); // the other runs waiting may now wait for this thread alone: they look again
                }
                changed.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted =
                    new InterruptedIOException("interrupted waiting for room for a run of sorted ids");
            interrupted.initCause(e);
            throw interrupted;
        } finally {
            if (waited) {
                runWaiters.remove(me);
                changed.signalAll(); // the copies waiting behind this run look again
            }
            lock.unlock();
        }
    }

    /**
     * Whether a thread other than {@code me} holds a copy and is reading it (not waiting in this budget): it will
     * give the copy back, or come to wait itself.
     */
    private boolean anotherHolderReads(Thread me) {
        for (Map.Entry<Thread, Long> holder : held.entrySet()) {
            Thread thread = holder.getKey();
            if (thread != me
                    && holder.getValue() > 0
                    && thread.isAlive() // a thread that ended without giving its copy back never will
                    && !runWaiters.contains(thread)
                    && !copyWaiters.contains(thread)) {
                return true;
            }
        }
        return false;
    }

    void release(long bytes) {
        lock.lock();
        try {
            runs -= bytes;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the room of the local copy of input file {@code file} before it is downloaded. A copy that would not fit
     * even were every other copy given back (past the bound less the sorted ids on disk) is refused at once; one that
     * fits but for the copies other threads hold now waits until they give back enough, so that whether a plan fits
     * does not depend on how many threads read it nor on their timing; it waits too while a run of sorted ids waits
     * ({@link #reserve}), which goes first. The caller holds no copy while it waits (a thread reads one file at a time),
     * and copies are only ever held while their file is read, so the wait ends.
     *
     * @throws InterruptedIOException when the thread is interrupted, or the pass {@linkplain #stopWaiting stopped},
     *                                while it waits
     */
    @Override
    public void reserveCopy(String file, long bytes) throws InterruptedIOException {
        Thread me = Thread.currentThread();
        lock.lock();
        try {
            while (true) {
                if (stopped) {
                    throw new InterruptedIOException(
                            "the duplicate-id pass stopped before the local copy of " + file + " was made");
                }
                if (bytes > limitBytes - runs) {
                    throw full(
                            "the local copy of the Parquet input file " + file + " (" + bytes + " bytes, read from a"
                                    + " local copy since Parquet needs random access) would take it past the "
                                    + limitBytes + " bytes it may use (" + ENV + "; " + runs + " bytes in use by"
                                    + " sorted ids)",
                            "the planner holds the copy of the Parquet file it reads beside the sorted ids (its"
                                    + " threads wait for each other's copies to be given back), so the same input"
                                    + " fills it again on every retry");
                }
                if (bytes <= limitBytes - runs - copies && runWaiters.isEmpty()) {
                    copies += bytes;
                    held.merge(me, bytes, Long::sum);
                    return;
                }
                copyWaiters.add(me);
                try {
                    changed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    InterruptedIOException interrupted =
                            new InterruptedIOException("interrupted waiting for room for the local copy of " + file);
                    interrupted.initCause(e);
                    throw interrupted;
                } finally {
                    copyWaiters.remove(me);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives back the room of a copy, from the thread that took it (the runs waiting count on each thread's copies).
     *
     * @throws IllegalStateException when this thread does not hold that much (the room is given back all the same)
     */
    @Override
    public void releaseCopy(long bytes) {
        Thread me = Thread.currentThread();
        lock.lock();
        try {
            copies -= bytes;
            changed.signalAll();
            long mine = held.getOrDefault(me, 0L);
            if (mine > bytes) {
                held.put(me, mine - bytes);
            } else {
                held.remove(me);
            }
            if (mine < bytes) {
                throw new IllegalStateException(
                        me.getName() + " gave back " + bytes + " bytes of Parquet copies but held " + mine);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The pass stopped (a thread's failure, an interruption): the threads waiting for room for a copy or a run give up
     * at once, as does any that would wait afterwards, until {@link #resumeWaiting}.
     */
    void stopWaiting() {
        lock.lock();
        try {
            stopped = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Copies may be waited for again: the pass that stopped waiting has ended, every thread of it. */
    void resumeWaiting() {
        lock.lock();
        try {
            stopped = false;
        } finally {
            lock.unlock();
        }
    }

    long used() {
        lock.lock();
        try {
            return runs + copies;
        } finally {
            lock.unlock();
        }
    }

    /** Threads waiting for room for a copy now. */
    int waiting() {
        lock.lock();
        try {
            return copyWaiters.size();
        } finally {
            lock.unlock();
        }
    }

    /** Threads waiting for room for a run of sorted ids now. */
    int waitingForRuns() {
        lock.lock();
        try {
            return runWaiters.size();
        } finally {
            lock.unlock();
        }
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
