package io.palimpsest.operator.job;

import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.operator.job.observe.FinishedPod;
import java.time.Instant;

/** Builders of finished pods for fold tests. */
public final class Pods {
    private Pods() {}

    public static ShardSummary summary(int shard, ShardSummary.Outcome outcome, long written) {
        ShardSummary s = new ShardSummary();
        s.setShard(shard);
        s.setAttempt(1);
        s.setOutcome(outcome);
        s.setRead(written + 2);
        s.setWritten(written);
        s.setRejected(1);
        s.setSkipped(1);
        s.setPromptTokens(written * 100);
        s.setCompletionTokens(written * 90);
        return s;
    }

    public static FinishedPod committed(int shard, long written) {
        return new FinishedPod(
                shard,
                1,
                true,
                false,
                summary(shard, ShardSummary.Outcome.committed, written),
                0,
                "Completed",
                null,
                Instant.parse("2026-01-01T00:00:00Z").plusSeconds(shard));
    }

    /**
     * A worker stopped by SIGTERM (exit 143) that had every document answered and committed the shard in full on its
     * way out: deleted by a suspend or a scale-in, or preempted ({@code disrupted}). The Job controller ignores the
     * failure and runs the index again.
     */
    public static FinishedPod committedAsStopped(int shard, long written, boolean disrupted) {
        return new FinishedPod(
                shard,
                1,
                false,
                disrupted,
                summary(shard, ShardSummary.Outcome.committed, written),
                143,
                "Error",
                null,
                Instant.parse("2026-01-01T00:00:00Z").plusSeconds(shard));
    }

    /** The run of an index whose shard another attempt committed: it found the receipt (exit 0). */
    public static FinishedPod foundCommitted(int shard, long written) {
        return new FinishedPod(
                shard,
                2,
                true,
                false,
                summary(shard, ShardSummary.Outcome.alreadyCommitted, written),
                0,
                "Completed",
                null,
                Instant.parse("2026-01-01T01:00:00Z").plusSeconds(shard));
    }

    public static FinishedPod failed(int shard, int attempt, Instant at) {
        ShardSummary s = summary(shard, ShardSummary.Outcome.badData, 0);
        s.setAttempt(attempt);
        s.setReason("BadData");
        s.setMessage("line 17: not JSON");
        return new FinishedPod(shard, attempt, false, false, s, 42, "Error", null, at);
    }

    /** An attempt that ended at the outage gate (exit 75): {@code modelUnreachable} or {@code storeUnreachable}. */
    public static FinishedPod unreachable(int shard, int attempt, ShardSummary.Outcome outcome, Instant at) {
        ShardSummary s = summary(shard, outcome, 0);
        s.setAttempt(attempt);
        s.setReason(outcome == ShardSummary.Outcome.storeUnreachable ? "store_unreachable" : "model_unreachable");
        s.setMessage("unavailable for more than 600 s");
        return new FinishedPod(shard, attempt, false, false, s, 75, "Error", null, at);
    }

    public static FinishedPod oomKilled(int shard, int attempt, Instant at) {
        return new FinishedPod(shard, attempt, false, false, null, 137, "OOMKilled", null, at);
    }

    public static FinishedPod preempted(int shard, int attempt, Instant at) {
        return new FinishedPod(shard, attempt, false, true, null, 143, "Error", null, at);
    }
}
