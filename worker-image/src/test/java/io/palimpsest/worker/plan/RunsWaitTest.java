package io.palimpsest.worker.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.worker.config.InvalidJobException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A run of sorted ids that fits but for the Parquet copies other planner threads hold waits for them to be given back,
 * as a copy does, instead of refusing the plan depending on the threads' timing; one that cannot fit beside its own
 * thread's copy is refused at once, and so is one whose wait could never end (every other thread holding a copy waits
 * for room itself). Each planner thread is a single-thread executor here, so that a copy is taken and given back by
 * the same thread, and a thread is held where the test wants it by not giving it its next step yet.
 */
class RunsWaitTest {

    private static final String FULL = "the duplicate-id pass ran out of local scratch space under /tmp: the sorted ids"
            + " would take more than the 100 bytes it may use (PALIMPSEST_SCRATCH_LIMIT)";

    private final List<ExecutorService> threads = new ArrayList<>();

    @AfterEach
    void stopThreads() {
        threads.forEach(ExecutorService::shutdownNow);
    }

    private ExecutorService thread() {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        threads.add(thread);
        return thread;
    }

    private static <T> T done(Future<T> step) throws Exception {
        return step.get(20, TimeUnit.SECONDS);
    }

    private static Throwable failure(Future<?> step) {
        ExecutionException failed = assertThrows(ExecutionException.class, () -> step.get(20, TimeUnit.SECONDS));
        return failed.getCause();
    }

    /** Waits for {@code condition}, while {@code step} (which should come to wait in the budget) runs. */
    private static void await(BooleanSupplier condition, Future<?> step) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (step.isDone()) {
                Throwable failure = null;
                try {
                    step.get();
                } catch (ExecutionException | CancellationException | InterruptedException e) {
                    failure = e.getCause() != null ? e.getCause() : e;
                }
                throw new AssertionError("ended instead of waiting", failure);
            }
            assertTrue(System.nanoTime() < deadline, "timed out");
            Thread.onSpinWait();
        }
    }

    private static Callable<Void> run(ScratchBudget scratch, long bytes) {
        return () -> {
            scratch.reserve(bytes);
            return null;
        };
    }

    private static Callable<Void> copy(ScratchBudget scratch, String file, long bytes) {
        return () -> {
            scratch.reserveCopy(file, bytes);
            return null;
        };
    }

    private static Callable<Void> giveBack(ScratchBudget scratch, long bytes) {
        return () -> {
            scratch.releaseCopy(bytes);
            return null;
        };
    }

    @Test
    void aRunThatFitsButForAnotherThreadsCopyWaitsForIt() throws Exception {
        ScratchBudget scratch = new ScratchBudget(100, "/tmp");
        ExecutorService a = thread();
        ExecutorService b = thread();
        done(a.submit(copy(scratch, "a.parquet", 30)));
        done(b.submit(copy(scratch, "b.parquet", 60)));

        // past the bound beside a's own copy: refused at once, whatever b gives back
        Throwable tooLarge = failure(a.submit(run(scratch, 71)));
        assertInstanceOf(InvalidJobException.class, tooLarge);
        assertEquals(
                FULL + "; it sorts every document id of the input (about its length + 24 bytes each, twice while"
                        + " merging), so the same input fills it again on every retry. On a cluster raise the"
                        + " operator's palimpsest.jobs.planner-scratch-size (the planner pod's /tmp sizeLimit; helm:"
                        + " operator.extraEnv PALIMPSEST_JOBS_PLANNER_SCRATCH_SIZE); with `palimpsest local`/`plan`,"
                        + " free space under /tmp",
                tooLarge.getMessage());

        // fits beside a's copy once b's is given back: waits for it (b is still reading, it holds at its next step)
        Future<Void> waiting = a.submit(run(scratch, 40));
        await(() -> scratch.waitingForRuns() == 1, waiting);
        assertFalse(waiting.isDone());
        assertEquals(90, scratch.used(), "nothing taken while it waits");

        done(b.submit(giveBack(scratch, 60)));
        done(waiting);
        assertEquals(70, scratch.used());
        assertEquals(0, scratch.waitingForRuns());
    }

    /**
     * Two threads each hold a copy and each need a run that fits only once the other's copy is given back: waiting
     * both would never end, so the second to ask is refused at once (the pass stops on it), and the first has its run
     * once the refused thread gives its copy back.
     */
    @Test
    void twoThreadsHoldingACopyAndWaitingForEachOtherDoNotDeadlock() throws Exception {
        ScratchBudget scratch = new ScratchBudget(100, "/tmp");
        ExecutorService a = thread();
        ExecutorService b = thread();
        done(a.submit(copy(scratch, "a.parquet", 40)));
        done(b.submit(copy(scratch, "b.parquet", 40)));

        Future<Void> first = a.submit(run(scratch, 30));
        await(() -> scratch.waitingForRuns() == 1, first);

        Throwable second = failure(b.submit(run(scratch, 30)));
        assertInstanceOf(InvalidJobException.class, second);
        assertTrue(
                second.getMessage()
                        .startsWith(FULL + " beside the 40 bytes of local copies of Parquet input files that the"
                                + " planner's other threads hold while each waits for room for its own sorted ids;"),
                second.getMessage());
        assertTrue(second.getMessage().contains("palimpsest.jobs.planner-scratch-size"), second.getMessage());
        assertFalse(first.isDone(), "the first waits for the refused thread's copy");

        done(b.submit(giveBack(scratch, 40)));
        done(first);
        assertEquals(70, scratch.used());
        assertEquals(0, scratch.waitingForRuns());
    }

    @Test
    void aPassThatStopsEndsTheWaitsForARun() throws Exception {
        ScratchBudget scratch = new ScratchBudget(100, "/tmp");
        ExecutorService a = thread();
        ExecutorService b = thread();
        ExecutorService c = thread();
        done(a.submit(copy(scratch, "a.parquet", 40)));
        done(b.submit(copy(scratch, "b.parquet", 40)));
        done(c.submit(copy(scratch, "c.parquet", 10)));

        Future<Void> waitingA = a.submit(run(scratch, 30));
        await(() -> scratch.waitingForRuns() == 1, waitingA);
        Future<Void> waitingC = c.submit(run(scratch, 30));
        await(() -> scratch.waitingForRuns() == 2, waitingC);

        scratch.stopWaiting(); // b failed
        assertInstanceOf(InterruptedIOException.class, failure(waitingA));
        assertInstanceOf(InterruptedIOException.class, failure(waitingC));
        assertEquals(0, scratch.waitingForRuns());
        assertEquals(90, scratch.used());
    }

    @Test
    void anInterruptedThreadEndsItsWaitForARun() throws Exception {
        ScratchBudget scratch = new ScratchBudget(100, "/tmp");
        ExecutorService a = thread();
        ExecutorService b = thread();
        done(a.submit(copy(scratch, "a.parquet", 40)));
        done(b.submit(copy(scratch, "b.parquet", 40)));

        Future<Void> waiting = a.submit(run(scratch, 30));
        await(() -> scratch.waitingForRuns() == 1, waiting);
        waiting.cancel(true);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (scratch.waitingForRuns() > 0) {
            assertTrue(System.nanoTime() < deadline, "the interrupted thread still waits");
            Thread.onSpinWait();
        }
        assertEquals(80, scratch.used());
    }

    /**
     * A copy asked for while a run waits waits behind it, though it would fit now: the room b gives back goes to a's
     * run, and c's copy is taken after it, from what is left.
     */
    @Test
    void aWaitingRunGoesBeforeAWaitingCopy() throws Exception {
        ScratchBudget scratch = new ScratchBudget(110, "/tmp");
        ExecutorService a = thread();
        ExecutorService b = thread();
        ExecutorService c = thread();
        done(a.submit(copy(scratch, "a.parquet", 40)));
        done(b.submit(copy(scratch, "b.parquet", 40)));

        Future<Void> run = a.submit(run(scratch, 35));
        await(() -> scratch.waitingForRuns() == 1, run);
        Future<Void> copy = c.submit(copy(scratch, "c.parquet", 30));
        await(() -> scratch.waiting() == 1, copy);
        assertFalse(copy.isDone(), "30 bytes are free, but a's run waits");

        done(b.submit(giveBack(scratch, 40)));
        done(run);
        done(copy);
        assertEquals(40 + 35 + 30, scratch.used());
        assertEquals(0, scratch.waiting());
        assertEquals(0, scratch.waitingForRuns());
    }
}
