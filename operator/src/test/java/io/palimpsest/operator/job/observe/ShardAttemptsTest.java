package io.palimpsest.operator.job.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.palimpsest.api.worker.ShardSummary;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShardAttemptsTest {

    private static final Instant T = Instant.parse("2026-12-01T12:00:00Z");

    /**
     * Shard 3 fails, is suspended (its running pod stopped by SIGTERM), resumes: the Job controller
     * restarted the index at 0, so the annotation says 0 again; the pods still say it is the second
     * charged attempt. A preemption is not charged either.
     */
    @Test
    void attemptsKeepCountingAcrossASuspend() {
        List<FinishedPod> pods = List.of(
                failed(3, 0, 10, null), // exit 1, charged
                failed(3, 1, 20, "terminated"), // suspend: SIGTERM, not charged
                failedDisrupted(3, 0, 30), // preempted after the resume, not charged
                failed(3, 0, 40, null), // annotation reset to 0; really the second charged attempt
                failed(5, 0, 15, null));
        List<FinishedPod> numbered = ShardAttempts.number(pods);
        assertEquals(
                List.of(0, 1, 1, 1, 0),
                numbered.stream().map(FinishedPod::attempt).toList());
    }

    @Test
    void aHigherAnnotationWins() {
        assertEquals(
                4,
                ShardAttempts.number(List.of(failed(1, 4, 10, null))).get(0).attempt(),
                "earlier pods were garbage-collected; the Job controller's count is the better one");
    }

    private static FinishedPod failed(int shard, int annotation, int second, String reason) {
        ShardSummary summary = null;
        if (reason != null) {
            summary = new ShardSummary();
            summary.setShard(shard);
            summary.setOutcome(ShardSummary.Outcome.error);
            summary.setReason(reason);
        }
        return new FinishedPod(
                shard,
                annotation,
                false,
                false,
                summary,
                reason == null ? 1 : 143,
                "Error",
                null,
                T.plusSeconds(second));
    }

    private static FinishedPod failedDisrupted(int shard, int annotation, int second) {
        return new FinishedPod(shard, annotation, false, true, null, 143, "Error", null, T.plusSeconds(second));
    }
}
