package io.palimpsest.operator.job.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.operator.job.observe.ClusterReadings.HelperState;
import io.palimpsest.operator.job.observe.WorkerJobView.State;
import io.palimpsest.operator.job.ranges.RangeSet;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which failed indexes of a worker Job are committed shards, and what that makes of the Job's end. */
class CommittedFailedShardsTest {
    static final Instant T = Instant.parse("2026-12-07T10:00:00Z");

    /** Three shards: 0 and 1 completed, 2 failed; the Job ended FailedIndexes. */
    static WorkerJobView ended(State state) {
        return new WorkerJobView(RangeSet.parse("0-1"), RangeSet.of(2), 0, state, T);
    }

    static FinishedPod failed(int shard, int attempt, int exit, Instant at) {
        return new FinishedPod(shard, attempt, false, false, null, exit, "Error", null, at);
    }

    static Tally receipts(String shards) {
        Tally t = new Tally();
        t.setReceiptShards(shards);
        return t;
    }

    static final FinishedPod KILLED = new FinishedPod(2, 0, false, false, null, 137, "OOMKilled", null, T);

    @Test
    void aRunningJobIsAsRead() {
        WorkerJobView running = new WorkerJobView(RangeSet.empty(), RangeSet.of(2), 2, State.RUNNING, null);
        assertSame(
                running,
                CommittedFailedShards.of(
                        running, 3L, null, RangeSet.of(2), List.of(KILLED), HelperState.ABSENT, receipts("0-2")));
    }

    @Test
    void aFailedIndexWhoseWorkerSaidItCommittedIsCompletedWithoutATally() {
        WorkerJobView v = CommittedFailedShards.of(
                ended(State.FINISHED_WITH_FAILED_SHARDS),
                3L,
                null,
                RangeSet.of(2),
                List.of(),
                HelperState.ABSENT,
                null);
        assertEquals(new WorkerJobView(RangeSet.parse("0-2"), RangeSet.empty(), 0, State.COMPLETE, T), v);
    }

    @Test
    void aFailedIndexKilledWithoutAWordWaitsForTheReceipts() {
        WorkerJobView v = CommittedFailedShards.of(
                ended(State.FINISHED_WITH_FAILED_SHARDS),
                3L,
                null,
                RangeSet.parse("0-1"),
                List.of(KILLED),
                HelperState.ABSENT,
                null);
        assertEquals(State.AWAITING_RECEIPTS, v.state());
        assertEquals(RangeSet.of(2), v.failed());
        // its pods gone: nothing says either
        assertEquals(
                State.AWAITING_RECEIPTS,
                CommittedFailedShards.of(
                                ended(State.FINISHED_WITH_FAILED_SHARDS),
                                3L,
                                null,
                                RangeSet.empty(),
                                List.of(),
                                HelperState.RUNNING,
                                null)
                        .state());
    }

    @Test
    void theTallysReceiptsMakeTheFailedIndexCommitted() {
        WorkerJobView v = CommittedFailedShards.of(
                ended(State.FINISHED_WITH_FAILED_SHARDS),
                3L,
                null,
                RangeSet.parse("0-1"),
                List.of(KILLED),
                HelperState.SUCCEEDED,
                receipts("0-2"));
        assertEquals(new WorkerJobView(RangeSet.parse("0-2"), RangeSet.empty(), 0, State.COMPLETE, T), v);
    }

    @Test
    void withoutAReceiptOrWithoutAnAnswerTheIndexStaysFailed() {
        WorkerJobView job = ended(State.FINISHED_WITH_FAILED_SHARDS);
        for (Tally t : new Tally[] {receipts("0-1"), receipts(null), receipts("0-2,..."), new Tally()}) {
            assertSame(
                    job,
                    CommittedFailedShards.of(
                            job, 3L, null, RangeSet.parse("0-1"), List.of(KILLED), HelperState.SUCCEEDED, t),
                    String.valueOf(t.getReceiptShards()));
        }
        // the tally failed: nothing more is known
        assertSame(
                job,
                CommittedFailedShards.of(
                        job, 3L, null, RangeSet.parse("0-1"), List.of(KILLED), HelperState.FAILED, null));
    }

    @Test
    void aFailureTheWorkerSaidLastNeedsNoLookButAKillAfterItDoes() {
        WorkerJobView job = ended(State.FINISHED_WITH_FAILED_SHARDS);
        for (int exit : new int[] {
            ExitCodes.BAD_DATA, ExitCodes.ATTEMPTS_EXHAUSTED, ExitCodes.MODEL_UNREACHABLE, ExitCodes.MODEL_CONFIG
        }) {
            assertSame(
                    job,
                    CommittedFailedShards.of(
                            job,
                            3L,
                            null,
                            RangeSet.parse("0-1"),
                            List.of(failed(2, 0, exit, T)),
                            HelperState.ABSENT,
                            null));
        }
        List<FinishedPod> outageThenKill = List.of(
                failed(2, 0, ExitCodes.MODEL_UNREACHABLE, T.minusSeconds(60)),
                failed(2, 0, 137, T),
                failed(2, 1, ExitCodes.FAILED, T.minusSeconds(120)));
        assertEquals(
                State.AWAITING_RECEIPTS,
                CommittedFailedShards.of(job, 3L, null, RangeSet.parse("0-1"), outageThenKill, HelperState.ABSENT, null)
                        .state());
        // exit 1 says nothing of a commit
        assertEquals(
                State.AWAITING_RECEIPTS,
                CommittedFailedShards.of(
                                job,
                                3L,
                                null,
                                RangeSet.parse("0-1"),
                                List.of(failed(2, 0, ExitCodes.FAILED, T)),
                                HelperState.ABSENT,
                                null)
                        .state());
    }

    @Test
    void pastMaxFailedIndexesWithEveryIndexEndedIsJudgedAgain() {
        WorkerJobView job = ended(State.TOO_MANY_FAILED_SHARDS);
        assertEquals(
                State.AWAITING_RECEIPTS,
                CommittedFailedShards.of(job, 3L, 0, RangeSet.parse("0-1"), List.of(KILLED), HelperState.ABSENT, null)
                        .state());
        assertEquals(
                State.COMPLETE,
                CommittedFailedShards.of(
                                job,
                                3L,
                                0,
                                RangeSet.parse("0-1"),
                                List.of(KILLED),
                                HelperState.SUCCEEDED,
                                receipts("0-2"))
                        .state());
        // two failed, one committed: still past a limit of 0
        WorkerJobView two =
                new WorkerJobView(RangeSet.of(0), RangeSet.parse("1-2"), 0, State.TOO_MANY_FAILED_SHARDS, T);
        WorkerJobView v = CommittedFailedShards.of(
                two, 3L, 0, RangeSet.of(0), List.of(KILLED), HelperState.SUCCEEDED, receipts("0,2"));
        assertEquals(new WorkerJobView(RangeSet.parse("0,2"), RangeSet.of(1), 0, State.TOO_MANY_FAILED_SHARDS, T), v);
        // within a limit of 1 it is a partial success
        assertEquals(
                State.FINISHED_WITH_FAILED_SHARDS,
                CommittedFailedShards.of(
                                two, 3L, 1, RangeSet.of(0), List.of(KILLED), HelperState.SUCCEEDED, receipts("0,2"))
                        .state());
    }

    /**
     * The Job controller stopped the other indexes past maxFailedIndexes: shards never ran, and the job fails as the
     * Job did, whatever the failed index committed.
     */
    @Test
    void aJobStoppedBeforeEveryIndexEndedIsNotJudgedAgain() {
        WorkerJobView stopped = new WorkerJobView(RangeSet.empty(), RangeSet.of(2), 0, State.TOO_MANY_FAILED_SHARDS, T);
        WorkerJobView v =
                CommittedFailedShards.of(stopped, 3L, 0, RangeSet.empty(), List.of(KILLED), HelperState.ABSENT, null);
        assertSame(stopped, v);
        assertSame(
                stopped,
                CommittedFailedShards.of(stopped, 3L, 0, RangeSet.of(2), List.of(KILLED), HelperState.ABSENT, null));
    }
}
