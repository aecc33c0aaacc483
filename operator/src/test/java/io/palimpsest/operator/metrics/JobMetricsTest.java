package io.palimpsest.operator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.api.worker.VariantCounts;
import io.palimpsest.operator.job.MutableClock;
import io.palimpsest.operator.job.Pods;
import io.palimpsest.operator.job.observe.WorkerJobView;
import io.palimpsest.operator.job.progress.ShardProgress;
import io.palimpsest.operator.job.ranges.RangeSet;
import io.palimpsest.operator.job.status.JobStatusFolder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class JobMetricsTest {
    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void seriesFollowTheStatusAndGoWithTheJob() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        JobMetrics metrics = new JobMetrics(registry, Clock.fixed(NOW, ZoneOffset.UTC));
        RewriteJobStatus s = new RewriteJobStatus();
        s.setPhase(JobPhase.Running);
        s.setShards(new RewriteJobStatus.ShardCounts(100, 40, 2, 10, 48));
        s.setDocuments(new RewriteJobStatus.DocumentCounts(
                1000, 950, 40, 10, null, 77L, Map.of("empty_output", 30L, "validator:lengthRatio", 10L)));
        s.setTokens(new RewriteJobStatus.TokenCounts(5000, 3000, 500L, 300L));
        s.setThroughput(new RewriteJobStatus.Throughput(120));
        s.setEstimatedCompletionTime("2026-01-01T01:00:00Z");
        ResourceID a = new ResourceID("a", "ns");
        metrics.observed(a, s);
        metrics.observed(new ResourceID("b", "ns"), s);

        assertEquals(
                40,
                registry.get("palimpsest.job.shards")
                        .tags("rewritejob", "a", "state", "succeeded")
                        .gauge()
                        .value());
        assertEquals(
                77,
                registry.get("palimpsest.job.documents")
                        .tags("rewritejob", "a", "outcome", "in_progress")
                        .gauge()
                        .value());
        assertEquals(
                3000,
                registry.get("palimpsest.job.tokens")
                        .tags("rewritejob", "a", "kind", "completion")
                        .gauge()
                        .value());
        assertEquals(
                300,
                registry.get("palimpsest.job.tokens.in.progress")
                        .tags("rewritejob", "a", "kind", "completion")
                        .gauge()
                        .value());
        assertEquals(
                3600,
                registry.get("palimpsest.job.eta.seconds")
                        .tags("rewritejob", "a")
                        .gauge()
                        .value());
        assertEquals(
                1,
                registry.get("palimpsest.job.phase")
                        .tags("rewritejob", "a", "phase", "Running")
                        .gauge()
                        .value());
        assertEquals(
                30,
                registry.get("palimpsest.job.rejected")
                        .tags("rewritejob", "a", "reason", "empty_output")
                        .gauge()
                        .value());
        assertEquals(
                10,
                registry.get("palimpsest.job.rejected")
                        .tags("rewritejob", "a", "reason", "validator:lengthRatio")
                        .gauge()
                        .value());
        assertEquals(
                0,
                registry.get("palimpsest.job.phase")
                        .tags("rewritejob", "a", "phase", "Failed")
                        .gauge()
                        .value());
        assertTrue(Double.isNaN(etaWithout(registry, metrics)), "no estimate: NaN");

        metrics.retain(Set.of(new ResourceID("b", "ns")));
        assertEquals(
                0,
                registry.find("palimpsest.job.shards")
                        .tags("rewritejob", "a")
                        .meters()
                        .size(),
                "a deleted job's series are dropped");
        assertEquals(
                6,
                registry.find("palimpsest.job.shards")
                        .tags("rewritejob", "b")
                        .meters()
                        .size());
        assertEquals(
                0,
                registry.find("palimpsest.job.rejected")
                        .tags("rewritejob", "a")
                        .meters()
                        .size(),
                "and its rejects by reason");
        assertEquals(
                2,
                registry.find("palimpsest.job.rejected")
                        .tags("rewritejob", "b")
                        .meters()
                        .size());
    }

    /**
     * status.shards.unconfirmed (of succeeded, the shards committed after their worker's SIGTERM whose index runs once
     * more) is exported beside the other counts, 0 when the status has none: it tells a suspended job whose
     * succeeded shards still need a worker pod from one that is done with them.
     */
    @Test
    void unconfirmedShardsAreExportedBesideTheOtherShardCounts() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        JobMetrics metrics = new JobMetrics(registry, Clock.fixed(NOW, ZoneOffset.UTC));
        RewriteJobStatus s = new RewriteJobStatus();
        s.setPhase(JobPhase.Suspended);
        s.setShards(new RewriteJobStatus.ShardCounts(12, 4, 0, 0, 8, 1));
        ResourceID a = new ResourceID("a", "ns");
        metrics.observed(a, s);
        assertEquals(1, shards(registry, "unconfirmed"));
        assertEquals(4, shards(registry, "succeeded"), "unconfirmed is a part of succeeded, not beside it");

        s.setShards(new RewriteJobStatus.ShardCounts(12, 4, 0, 1, 7));
        metrics.observed(a, s);
        assertEquals(0, shards(registry, "unconfirmed"), "its index ran again: the series follows the status");
    }

    private static double shards(SimpleMeterRegistry registry, String state) {
        return registry.get("palimpsest.job.shards")
                .tags("rewritejob", "a", "state", state)
                .gauge()
                .value();
    }

    @Test
    void aReasonTheTallyRanksOutLosesItsSeriesInsteadOfKeepingItsLastCount() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        JobMetrics metrics = new JobMetrics(registry, Clock.fixed(NOW, ZoneOffset.UTC));
        JobStatusFolder folder = new JobStatusFolder(Clock.fixed(NOW, ZoneOffset.UTC));
        Map<String, Long> named = new TreeMap<>();
        for (int i = 0; i < VariantCounts.MAX_NAMED - 1; i++) {
            named.put(String.format("r%02d", i), 5L);
        }
        named.put("rare", 1L);
        named.put(VariantCounts.OTHER, 900L);
        RewriteJobStatus s = new RewriteJobStatus();
        s.setPhase(JobPhase.Running);
        s.setDocuments(new RewriteJobStatus.DocumentCounts(2000, 1000, 1056, 0, null, null, named));
        ResourceID a = new ResourceID("a", "ns");
        metrics.observed(a, s);
        assertEquals(1, rejected(registry, "rare"));

        // the receipts hold 3 "rare" rejects and 900 "late" ones: the tally names "late" and ranks "rare" out
        Map<String, Long> tallied = new TreeMap<>(named);
        tallied.remove("rare");
        tallied.put("late", 900L);
        tallied.put(VariantCounts.OTHER, 3L);
        Tally tally = new Tally();
        tally.setRead(2000);
        tally.setWritten(1000);
        tally.setRejected(1058);
        tally.setRejectedByReason(tallied);
        metrics.observed(a, folder.applyTally(s, tally, RangeSet.parse("0")));

        assertEquals(
                0,
                registry.find("palimpsest.job.rejected")
                        .tags("rewritejob", "a", "reason", "rare")
                        .meters()
                        .size(),
                "no series left at the last count the summaries gave");
        assertEquals(3, rejected(registry, VariantCounts.OTHER), "its rejects are in '(other)', as the tally says");
        assertEquals(900, rejected(registry, "late"));
    }

    /**
     * Skips by reason are exported as rejects are, from status.documents.skippedByReason: one series per reason
     * the status names (a closed list of codes and filter names, capped at 32 and '(other)' there), following
     * the status, and gone with the job.
     */
    @Test
    void skipsByReasonAreExportedBesideTheRejects() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        JobMetrics metrics = new JobMetrics(registry, Clock.fixed(NOW, ZoneOffset.UTC));
        RewriteJobStatus s = new RewriteJobStatus();
        s.setPhase(JobPhase.Running);
        s.setDocuments(new RewriteJobStatus.DocumentCounts(
                100,
                70,
                11,
                19,
                null,
                null,
                Map.of("model_error", 11L),
                Map.of("filter:regex", 9L, "filter:minLength", 6L, "blank_line", 4L)));
        ResourceID a = new ResourceID("a", "ns");
        metrics.observed(a, s);
        assertEquals(9, skipped(registry, "filter:regex"));
        assertEquals(6, skipped(registry, "filter:minLength"));
        assertEquals(4, skipped(registry, "blank_line"));
        assertEquals(11, rejected(registry, "model_error"));

        s.getDocuments().setSkippedByReason(Map.of("filter:regex", 12L, "filter:minLength", 6L, "blank_line", 4L));
        metrics.observed(a, s);
        assertEquals(12, skipped(registry, "filter:regex"), "the series follow the status");

        metrics.retain(Set.of());
        assertEquals(
                0,
                registry.find("palimpsest.job.skipped")
                        .tags("rewritejob", "a")
                        .meters()
                        .size(),
                "a deleted job's skips by reason go with it");
    }

    /**
     * A shard's in-progress tokens are what the model answered its attempt so far; at its commit they give way to its
     * receipt's count, which can be lower (an answer lost with a stopped attempt and asked again is answered twice and
     * committed once). Added together the two went down at that commit, and a rate() over a series that goes down
     * reads it as a reset: the committed tokens are their own series, which never goes down within a job, and the
     * in-progress part is another, a level.
     */
    @Test
    void theTokensSeriesNeverGoesDownWhenAShardCommitsFewerTokensThanItsAttemptAnswered() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MutableClock clock = new MutableClock(NOW);
        JobMetrics metrics = new JobMetrics(registry, clock);
        JobStatusFolder folder = new JobStatusFolder(clock);
        ResourceID a = new ResourceID("a", "ns");
        WorkerJobView twoRunning =
                new WorkerJobView(RangeSet.empty(), RangeSet.empty(), 2, WorkerJobView.State.RUNNING, null);
        WorkerJobView oneCommitted =
                new WorkerJobView(RangeSet.parse("0"), RangeSet.empty(), 1, WorkerJobView.State.RUNNING, null);

        // shard 0 has been answered 12,000 completion tokens, shard 1 500; nothing committed
        Map<Integer, ShardProgress> live = Map.of(
                0, new ShardProgress(0, 100, 0, 0, 15000, 12000, 900, 1000),
                1, new ShardProgress(1, 5, 0, 0, 600, 500, 50, 1000));
        RewriteJobStatus s = folder.fold(null, 2, twoRunning, List.of(), live).status();
        s.setPhase(JobPhase.Running);
        metrics.observed(a, s);
        double before = tokens(registry, "completion");

        // shard 0 commits 102 documents whose receipt counts 9,000 completion tokens (100 written x 90)
        clock.advance(Duration.ofSeconds(30));
        s = folder.fold(s, 2, oneCommitted, List.of(Pods.committed(0, 100)), live)
                .status();
        s.setPhase(JobPhase.Running);
        metrics.observed(a, s);
        double after = tokens(registry, "completion");

        assertTrue(after >= before, "palimpsest_job_tokens went down at a commit: " + before + " -> " + after);
        assertEquals(9000, after, "the committed tokens, as the status's tokens.completion");
        assertEquals(0, before, "nothing was committed before");
        assertEquals(500, inProgressTokens(registry, "completion"), "shard 1's part only");
        assertEquals(10000, tokens(registry, "prompt"));
        assertEquals(600, inProgressTokens(registry, "prompt"));

        // the job ends: nothing is in progress, the committed series stays where it is
        s = folder.fold(
                        s,
                        2,
                        new WorkerJobView(
                                RangeSet.parse("0-1"), RangeSet.empty(), 0, WorkerJobView.State.COMPLETE, NOW),
                        List.of(Pods.committed(1, 5)),
                        live)
                .status();
        s.setPhase(JobPhase.Succeeded);
        metrics.observed(a, s);
        assertEquals(9450, tokens(registry, "completion"));
        assertEquals(0, inProgressTokens(registry, "completion"));
    }

    private static double tokens(SimpleMeterRegistry registry, String kind) {
        return registry.get("palimpsest.job.tokens")
                .tags("rewritejob", "a", "kind", kind)
                .gauge()
                .value();
    }

    private static double inProgressTokens(SimpleMeterRegistry registry, String kind) {
        return registry.get("palimpsest.job.tokens.in.progress")
                .tags("rewritejob", "a", "kind", kind)
                .gauge()
                .value();
    }

    private static double skipped(SimpleMeterRegistry registry, String reason) {
        return registry.get("palimpsest.job.skipped")
                .tags("rewritejob", "a", "reason", reason)
                .gauge()
                .value();
    }

    private static double rejected(SimpleMeterRegistry registry, String reason) {
        return registry.get("palimpsest.job.rejected")
                .tags("rewritejob", "a", "reason", reason)
                .gauge()
                .value();
    }

    private static double etaWithout(SimpleMeterRegistry registry, JobMetrics metrics) {
        RewriteJobStatus s = new RewriteJobStatus();
        s.setPhase(JobPhase.Planning);
        metrics.observed(new ResourceID("c", "ns"), s);
        return registry.get("palimpsest.job.eta.seconds")
                .tags("rewritejob", "c")
                .gauge()
                .value();
    }
}
