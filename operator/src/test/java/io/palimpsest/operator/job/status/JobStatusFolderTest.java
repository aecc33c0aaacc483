package io.palimpsest.operator.job.status;

import static io.palimpsest.operator.job.Pods.committed;
import static io.palimpsest.operator.job.Pods.failed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriteJobStatus.ShardFailure;
import io.palimpsest.api.v1alpha1.ShardFailureReason;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.api.worker.VariantCounts;
import io.palimpsest.operator.job.JobDecider;
import io.palimpsest.operator.job.MutableClock;
import io.palimpsest.operator.job.Pods;
import io.palimpsest.operator.job.WorkerDemand;
import io.palimpsest.operator.job.observe.ClusterReadings;
import io.palimpsest.operator.job.observe.FinishedPod;
import io.palimpsest.operator.job.observe.WorkerJobView;
import io.palimpsest.operator.job.progress.ShardProgress;
import io.palimpsest.operator.job.ranges.RangeSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class JobStatusFolderTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    final MutableClock clock = new MutableClock(T0);
    final JobStatusFolder folder = new JobStatusFolder(clock);

    static WorkerJobView running(String completed, String failed, int active) {
        return new WorkerJobView(
                RangeSet.parse(completed), RangeSet.parse(failed), active, WorkerJobView.State.RUNNING, null);
    }

    @Test
    void countsShardsFromTheJobAndDocumentsFromSummaries() {
        var r = folder.fold(
                null,
                10,
                running("0-2", "5", 3),
                List.of(committed(0, 10), committed(1, 20), committed(2, 30), failed(5, 1, T0)));
        RewriteJobStatus s = r.status();
        assertEquals(new RewriteJobStatus.ShardCounts(10, 3, 1, 3, 3), s.getShards());
        assertEquals("3/10", s.getProgress());
        assertEquals("0-2", s.getCompletedShards());
        assertEquals("5", s.getFailedShards());
        assertEquals("0-2", s.getCountedShards());
        assertEquals(60, s.getDocuments().getWritten());
        assertEquals(66, s.getDocuments().getRead());
        assertEquals(6000, s.getTokens().getPrompt());
        assertEquals(5400, s.getTokens().getCompletion());
        assertEquals(1, s.getRecentFailures().size());
        assertEquals("BadData", s.getRecentFailures().get(0).getReason());
        assertEquals(RangeSet.empty(), r.uncounted());
    }

    @Test
    void recordsPerVariantAreSummedAndTheirNamesCapped() {
        FinishedPod a = committed(0, 10);
        a.summary().setWrittenByVariant(Map.of("wiki", 10L, "qa", 9L));
        FinishedPod b = committed(1, 20);
        Map<String, Long> many = new TreeMap<>();
        for (int i = 0; i < 40; i++) {
            many.put(String.format("v%02d", i), 1L);
        }
        many.put("wiki", 20L);
        b.summary().setWrittenByVariant(many);
        RewriteJobStatus s =
                folder.fold(null, 2, running("0-1", "", 0), List.of(a, b)).status();
        Map<String, Long> byVariant = s.getDocuments().getWrittenByVariant();
        assertEquals(30L, byVariant.get("wiki"));
        assertEquals(9L, byVariant.get("qa"));
        assertEquals(VariantCounts.MAX_NAMED + 1, byVariant.size(), "32 names and '(other)'");
        assertEquals(
                30 + 9 + 40,
                byVariant.values().stream().mapToLong(Long::longValue).sum(),
                "nothing lost to the cap");
        assertEquals(
                10L,
                byVariant.get(VariantCounts.OTHER),
                "the names with the fewest records (ties by name) go to '(other)'");
    }

    @Test
    void rejectsPerReasonAreSummedAndSurviveTheNextFold() {
        FinishedPod a = committed(0, 10);
        a.summary().setRejectedByReason(Map.of("empty_output", 2L, "duplicate_id", 1L));
        FinishedPod b = committed(1, 20);
        b.summary().setRejectedByReason(Map.of("empty_output", 3L));
        RewriteJobStatus s =
                folder.fold(null, 2, running("0-1", "", 0), List.of(a, b)).status();
        assertEquals(
                Map.of("empty_output", 5L, "duplicate_id", 1L), s.getDocuments().getRejectedByReason());
        RewriteJobStatus again =
                folder.fold(s, 2, running("0-1", "", 0), List.of(a, b)).status();
        assertEquals(
                s.getDocuments().getRejectedByReason(),
                again.getDocuments().getRejectedByReason(),
                "copied, not lost or counted twice");
    }

    @Test
    void skipsPerReasonAreFoldedFromSummariesAndTheTallySetsThem() throws Exception {
        FinishedPod a = committed(0, 10);
        a.summary().setSkipped(3);
        a.summary().setSkippedByReason(Map.of("filter:regex", 2L, "blank_line", 1L));
        FinishedPod b = committed(1, 20);
        b.summary().setSkipped(4);
        b.summary().setSkippedByReason(Map.of("filter:regex", 4L));
        RewriteJobStatus s =
                folder.fold(null, 2, running("0-1", "", 0), List.of(a, b)).status();
        assertEquals(
                Map.of("filter:regex", 6L, "blank_line", 1L), s.getDocuments().getSkippedByReason());
        RewriteJobStatus again =
                folder.fold(s, 2, running("0-1", "", 0), List.of(a, b)).status();
        assertEquals(
                s.getDocuments().getSkippedByReason(),
                again.getDocuments().getSkippedByReason(),
                "copied, not lost or counted twice");

        // the tally's JSON as `palimpsest tally` writes it to its termination message
        Tally tally = new ObjectMapper()
                .readValue(
                        "{\"receipts\":2,\"read\":30,\"written\":19,\"rejected\":0,\"skipped\":11,"
                                + "\"skippedByReason\":{\"filter:regex\":6,\"blank_line\":1,\"too_short\":4},"
                                + "\"promptTokens\":100,\"completionTokens\":50,\"recipeHash\":\"sha256:a\"}",
                        Tally.class);
        RewriteJobStatus tallied = folder.applyTally(again, tally, RangeSet.parse("0-1"));
        assertEquals(
                Map.of("filter:regex", 6L, "blank_line", 1L, "too_short", 4L),
                tallied.getDocuments().getSkippedByReason(),
                "the receipts' figures, reasons the summaries missed included");
        assertEquals(11, tallied.getDocuments().getSkipped());
    }

    @Test
    void aReasonOnceNamedKeepsItsCountWhenLaterReasonsOvertakeIt() {
        // Shard 0 names 32 reasons; "r31" is the rarest. Every later shard rejects 100 documents as "late".
        FinishedPod first = committed(0, 10);
        Map<String, Long> reasons = new TreeMap<>();
        for (int i = 0; i < 31; i++) {
            reasons.put(String.format("r%02d", i), 5L);
        }
        reasons.put("r31", 1L);
        first.summary().setRejectedByReason(reasons);
        List<FinishedPod> pods = new ArrayList<>(List.of(first));
        RewriteJobStatus s = folder.fold(null, 10, running("0", "", 0), pods).status();
        assertEquals(1L, s.getDocuments().getRejectedByReason().get("r31"));

        Map<String, Long> before = s.getDocuments().getRejectedByReason();
        for (int shard = 1; shard < 10; shard++) {
            FinishedPod pod = committed(shard, 10);
            pod.summary().setRejectedByReason(Map.of("late", 100L, "r00", 1L));
            pods.add(pod);
            s = folder.fold(s, 10, running("0-" + shard, "", 0), pods).status();
            Map<String, Long> now = s.getDocuments().getRejectedByReason();
            for (Map.Entry<String, Long> e : before.entrySet()) {
                assertTrue(
                        now.getOrDefault(e.getKey(), 0L) >= e.getValue(),
                        e.getKey() + " went from " + e.getValue() + " to " + now.get(e.getKey()) + " at shard "
                                + shard);
            }
            assertTrue(now.size() <= VariantCounts.MAX_NAMED + 1, "bounded: " + now.size());
            before = now;
        }
        Map<String, Long> byReason = s.getDocuments().getRejectedByReason();
        assertEquals(1L, byReason.get("r31"), "named first, it stays named");
        assertEquals(5L + 9, byReason.get("r00"));
        assertNull(byReason.get("late"), "never named: it is counted under '(other)'");
        assertEquals(900L, byReason.get(VariantCounts.OTHER));

        // The receipts' tally ranks by its own totals ("r31" in its "(other)", "late" named): its totals are the
        // counts. "r31" is no longer named (its count is in the tally's "(other)", and a count kept beside it
        // would never move again), "late" has its true count, and nothing is lost.
        Map<String, Long> tallied = new TreeMap<>(byReason);
        tallied.remove("r31");
        tallied.remove(VariantCounts.OTHER);
        tallied.put("late", 900L);
        tallied.put(VariantCounts.OTHER, 1L);
        Tally tally = new Tally();
        tally.setRejectedByReason(tallied);
        RewriteJobStatus after = folder.applyTally(s, tally, RangeSet.parse("0-9"));
        Map<String, Long> afterTally = after.getDocuments().getRejectedByReason();
        assertEquals(tallied, afterTally);
        assertNull(
                afterTally.get("r31"), "ranked out by the tally: summed under '(other)', not left at its last count");
        assertEquals(
                tallied.values().stream().mapToLong(Long::longValue).sum(),
                afterTally.values().stream().mapToLong(Long::longValue).sum(),
                "the tally's totals");

        // A later tally that counts more "r31" rejects (the ones the summaries missed) is not shadowed by a
        // count kept from before: the status says what the receipts say.
        Map<String, Long> again = new TreeMap<>(tallied);
        again.put(VariantCounts.OTHER, 7L);
        Tally later = new Tally();
        later.setRejectedByReason(again);
        assertEquals(
                again,
                folder.applyTally(after, later, RangeSet.parse("0-9"))
                        .getDocuments()
                        .getRejectedByReason());
    }

    @Test
    void foldingTheSameInputAgainChangesNothing() {
        var job = running("0-2", "5", 3);
        var pods = List.of(committed(0, 10), committed(1, 20), committed(2, 30), failed(5, 1, T0));
        RewriteJobStatus once = folder.fold(null, 10, job, pods).status();
        RewriteJobStatus twice = folder.fold(once, 10, job, pods).status();
        assertEquals(once, twice);
        clock.advance(Duration.ofSeconds(5));
        assertEquals(once, folder.fold(twice, 10, job, pods).status(), "within the sampling interval nothing moves");
    }

    @Test
    void aShardIsCountedOnceEvenWhenTwoAttemptsReportIt() {
        FinishedPod first = committed(4, 10);
        ShardSummary again = Pods.summary(4, ShardSummary.Outcome.alreadyCommitted, 10);
        FinishedPod second = new FinishedPod(4, 2, true, false, again, 0, "Completed", null, T0);
        RewriteJobStatus s = folder.fold(null, 10, running("4", "", 0), List.of(second, first))
                .status();
        assertEquals(10, s.getDocuments().getWritten());
    }

    /** A new operator instance starts from the recorded status only; the pods it sees overlap the old one's. */
    @Test
    void aRestartedFolderNeverCountsASummaryTwice() {
        List<FinishedPod> firstBatch = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            firstBatch.add(committed(i * 2, 1));
        }
        RewriteJobStatus before =
                folder.fold(null, 1000, running("0-998", "", 10), firstBatch).status();
        assertEquals(500, before.getDocuments().getWritten());

        JobStatusFolder restarted = new JobStatusFolder(new MutableClock(T0.plusSeconds(60)));
        List<FinishedPod> everything = new ArrayList<>(firstBatch);
        for (int i = 0; i < 500; i++) {
            everything.add(committed(i * 2 + 1, 1));
        }
        var after = restarted.fold(before, 1000, running("0-999", "", 0), everything);
        assertEquals(1000, after.status().getDocuments().getWritten());
        assertEquals("0-999", after.status().getCountedShards());
        assertEquals(
                after.status().getDocuments(),
                restarted
                        .fold(after.status(), 1000, running("0-999", "", 0), everything)
                        .status()
                        .getDocuments());
    }

    @Test
    void summariesOfGarbageCollectedPodsAreLeftForTheTally() {
        var r = folder.fold(
                null,
                6,
                new WorkerJobView(RangeSet.parse("0-5"), RangeSet.empty(), 0, WorkerJobView.State.COMPLETE, T0),
                List.of(committed(0, 10), committed(5, 10)));
        assertEquals("1-4", r.uncounted().format());
        assertEquals(20, r.status().getDocuments().getWritten());

        Tally tally = new Tally();
        tally.setReceipts(6);
        tally.setRead(72);
        tally.setWritten(60);
        tally.setRejected(6);
        tally.setSkipped(6);
        tally.setPromptTokens(6000);
        tally.setCompletionTokens(5400);
        RewriteJobStatus tallied = folder.applyTally(r.status(), tally, RangeSet.parse("0-5"));
        assertEquals(60, tallied.getDocuments().getWritten());
        assertEquals(5400, tallied.getTokens().getCompletion());
        assertEquals("0-5", tallied.getCountedShards());

        // A summary that shows up late is already in the tally.
        var late = folder.fold(
                tallied,
                6,
                new WorkerJobView(RangeSet.parse("0-5"), RangeSet.empty(), 0, WorkerJobView.State.COMPLETE, T0),
                List.of(committed(0, 10), committed(3, 10), committed(5, 10)));
        assertEquals(60, late.status().getDocuments().getWritten());
        assertEquals(RangeSet.empty(), late.uncounted());
    }

    @Test
    void recentFailuresKeepTheNewestTwentyAndIgnorePreemptions() {
        List<FinishedPod> pods = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            pods.add(failed(i, 1, T0.plusSeconds(i)));
        }
        pods.add(Pods.oomKilled(60, 2, T0.plusSeconds(100)));
        pods.add(Pods.preempted(61, 1, T0.plusSeconds(200)));
        RewriteJobStatus s =
                folder.fold(null, 100, running("", "0-49", 0), pods).status();
        List<ShardFailure> failures = s.getRecentFailures();
        assertEquals(20, failures.size());
        assertEquals(31, failures.get(0).getShard(), "oldest kept");
        ShardFailure newest = failures.get(19);
        assertEquals(60, newest.getShard());
        assertEquals("OOMKilled", newest.getReason());
        assertEquals(2, newest.getAttempt());
        assertTrue(failures.stream().noneMatch(f -> f.getShard() == 61));

        // Folding an older failure again (its pod is still in the cache) does not push it back in.
        RewriteJobStatus again =
                folder.fold(s, 100, running("", "0-49", 0), pods).status();
        assertEquals(failures, again.getRecentFailures());
    }

    /**
     * The shards an outage failed stay in status.outageShards, by the outage's reason, once their pods are gone and
     * once later failures pushed theirs out of recentFailures' twenty: what ends the job ModelUnreachable or
     * StoreUnreachable when they have failed for good. A shard that met the outage and committed, or failed as bad
     * data after it, leaves the record; one the ledger then closed (AttemptsExhausted, which says nothing of why)
     * stays the outage's after the pod of its outage is gone.
     */
    @Test
    void theShardsAnOutageFailedOutliveTheirPodsAndTheRecentFailures() {
        List<FinishedPod> pods = List.of(
                Pods.unreachable(3, 2, ShardSummary.Outcome.modelUnreachable, T0),
                Pods.unreachable(4, 2, ShardSummary.Outcome.storeUnreachable, T0.plusSeconds(1)),
                Pods.unreachable(5, 0, ShardSummary.Outcome.modelUnreachable, T0.plusSeconds(2)),
                Pods.unreachable(6, 0, ShardSummary.Outcome.modelUnreachable, T0.plusSeconds(3)),
                failed(6, 1, T0.plusSeconds(4)),
                // not failed for good yet: its next attempt runs
                Pods.unreachable(7, 2, ShardSummary.Outcome.storeUnreachable, T0.plusSeconds(5)));
        RewriteJobStatus s =
                folder.fold(null, 100, running("5", "3-4,6", 1), pods).status();
        assertEquals(Map.of("ModelUnreachable", "3", "StoreUnreachable", "4,7"), s.getOutageShards());

        // every pod above gone; thirty shards fail as bad data after them, and the ledger closes shard 7
        List<FinishedPod> later = new ArrayList<>();
        for (int shard = 10; shard < 40; shard++) {
            later.add(failed(shard, 2, T0.plusSeconds(60 + shard)));
        }
        later.add(new FinishedPod(
                7, 3, false, false, null, ExitCodes.ATTEMPTS_EXHAUSTED, "Error", "attempts spent", T0.plusSeconds(99)));
        RangeSet failed = RangeSet.parse("3-4,6-7,10-39");
        RewriteJobStatus after =
                folder.fold(s, 100, running("5", failed.format(), 0), later).status();
        assertTrue(
                after.getRecentFailures().stream().noneMatch(f -> f.getReason().endsWith("Unreachable")),
                "the outages' failures left recentFailures: " + after.getRecentFailures());
        assertEquals(s.getOutageShards(), after.getOutageShards());
        assertEquals(
                Map.of(
                        ShardFailureReason.ModelUnreachable, RangeSet.of(3),
                        ShardFailureReason.StoreUnreachable, RangeSet.of(4, 7)),
                OutageShards.of(failed, later, OutageShards.decode(after.getOutageShards())));
        // folding it again changes nothing
        assertEquals(
                after.getOutageShards(),
                folder.fold(after, 100, running("5", failed.format(), 0), later)
                        .status()
                        .getOutageShards());
        // shard 3 commits after all (a worker Job made again): it leaves the record
        assertEquals(
                Map.of("StoreUnreachable", "4,7"),
                folder.fold(after, 100, running("3,5", "4,6-7,10-39", 0), List.of())
                        .status()
                        .getOutageShards());
    }

    @Test
    void longMessagesAreCut() {
        ShardSummary s = Pods.summary(1, ShardSummary.Outcome.error, 0);
        s.setMessage("x".repeat(5000));
        var pod = new FinishedPod(1, 1, false, false, s, 1, "Error", null, T0);
        ShardFailure f = folder.fold(null, 5, running("", "", 0), List.of(pod))
                .status()
                .getRecentFailures()
                .get(0);
        assertEquals(ClusterReadings.MESSAGE_LIMIT, f.getMessage().length());
        assertEquals("Error", f.getReason());
    }

    /**
     * The status reason of each kind of failed attempt: a ShardFailureReason word, or the kubelet's
     * reason passed through; the worker's own code leads the message. The words are the wire strings.
     */
    @Test
    void aFailuresReasonIsOneWordPerCause() {
        record Row(
                ShardSummary.Outcome outcome,
                String code,
                Integer exit,
                String kubelet,
                String reason,
                String message) {}
        List<Row> rows = List.of(
                new Row(ShardSummary.Outcome.badData, "bad_data", 42, "Error", "BadData", "bad_data: m"),
                new Row(
                        ShardSummary.Outcome.modelUnreachable,
                        "retries_exhausted",
                        75,
                        "Error",
                        "ModelUnreachable",
                        "retries_exhausted: m"),
                new Row(
                        ShardSummary.Outcome.storeUnreachable,
                        "store_unreachable",
                        75,
                        "Error",
                        "StoreUnreachable",
                        "store_unreachable: m"),
                new Row(
                        ShardSummary.Outcome.modelConfig,
                        "model_config",
                        78,
                        "Error",
                        "ModelConfig",
                        "model_config: m"),
                new Row(ShardSummary.Outcome.error, "retries_exhausted", 1, "Error", "Error", "retries_exhausted: m"),
                new Row(
                        ShardSummary.Outcome.error,
                        "IllegalStateException",
                        1,
                        "Error",
                        "Error",
                        "IllegalStateException: m"),
                new Row(ShardSummary.Outcome.error, "attemptsExhausted", 43, "Error", "AttemptsExhausted", "m"),
                // no summary: the exit code, else the kubelet's reason
                new Row(null, null, 42, "Error", "BadData", "tail"),
                new Row(null, null, 75, "Error", "ModelUnreachable", "tail"),
                new Row(null, null, 78, "Error", "ModelConfig", "tail"),
                new Row(null, null, 43, "Error", "AttemptsExhausted", "tail"),
                new Row(null, null, 137, "OOMKilled", "OOMKilled", "tail"),
                new Row(null, null, 1, null, "Error", "tail"));
        for (Row row : rows) {
            ShardSummary summary = null;
            if (row.outcome() != null) {
                summary = Pods.summary(3, row.outcome(), 0);
                summary.setReason(row.code());
                summary.setMessage("m");
            }
            FinishedPod pod = new FinishedPod(
                    3, 0, false, false, summary, row.exit(), row.kubelet(), summary == null ? "tail" : null, T0);
            ShardFailure f = JobStatusFolder.failureOf(pod);
            assertEquals(row.reason(), f.getReason(), row.toString());
            assertEquals(row.message(), f.getMessage(), row.toString());
        }
    }

    @Test
    void runningShardsAddAnInProgressPartThatNeverEntersTheCommittedTotals() {
        Map<Integer, ShardProgress> live = Map.of(
                0, new ShardProgress(0, 40, 2, 1, 4000, 2000, 500, 1000),
                1, new ShardProgress(1, 10, 0, 0, 1000, 500, 250, 1000));
        RewriteJobStatus s =
                folder.fold(null, 4, running("", "", 2), List.of(), live).status();
        assertEquals(53, s.getDocuments().getInProgress());
        assertEquals(0, s.getDocuments().getRead(), "committed totals come from receipts only");
        assertEquals(5000, s.getTokens().getInProgressPrompt());
        assertEquals(2500, s.getTokens().getInProgressCompletion());
        assertEquals(0.75, s.getThroughput().getSampledShardProgress(), 1e-9);
        assertEquals(53, s.getThroughput().getSampledDocuments());

        // A minute later both shards are further along: rates and an ETA before any shard has ended.
        clock.advance(Duration.ofMinutes(1));
        live = Map.of(
                0, new ShardProgress(0, 100, 2, 1, 10000, 5000, 1000, 1000),
                1, new ShardProgress(1, 60, 0, 0, 6000, 3000, 750, 1000));
        s = folder.fold(s, 4, running("", "", 2), List.of(), live).status();
        assertEquals(163, s.getDocuments().getInProgress());
        assertEquals(Math.round((8000 - 2500) / 60.0), s.getThroughput().getTokensPerSecond());
        assertEquals((163 - 53) / 60.0, s.getThroughput().getDocumentsPerSecond(), 0.001);
        assertEquals(60.0, s.getThroughput().getShardsPerHour(), 0.001, "one shard's worth of input per minute");
        // 4 - 1.75 shards left at one a minute
        assertEquals(clock.instant().plusSeconds(135).toString(), s.getEstimatedCompletionTime());

        // Shard 0 commits: its summary enters the totals and its reading drops out of the in-progress part.
        clock.advance(Duration.ofSeconds(10));
        FinishedPod done = Pods.committed(0, 103);
        s = folder.fold(s, 4, running("0", "", 1), List.of(done), live).status();
        assertEquals(60, s.getDocuments().getInProgress());
        assertEquals(done.summary().getRead(), s.getDocuments().getRead());

        // Finished: nothing is in progress any more.
        s = folder.fold(
                        s,
                        4,
                        new WorkerJobView(RangeSet.parse("0-3"), RangeSet.empty(), 0, WorkerJobView.State.COMPLETE, T0),
                        List.of(),
                        live)
                .status();
        assertNull(s.getDocuments().getInProgress());
        assertNull(s.getTokens().getInProgressCompletion());
    }

    @Test
    void statusStaysUnder64KiBAtAHundredThousandShardsWithAThousandRunning() throws Exception {
        int shards = 100_000;
        // The widest range strings: every third shard committed, every seventh failed, the rest pending or running.
        RangeSet.Builder done = new RangeSet.Builder();
        RangeSet.Builder failed = new RangeSet.Builder();
        for (int i = 0; i < shards; i++) {
            if (i % 7 == 0) {
                failed.add(i);
            } else if (i % 3 == 0) {
                done.add(i);
            }
        }
        List<FinishedPod> pods = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            FinishedPod f = Pods.failed(i * 7, 3, T0.plusSeconds(i));
            f.summary().setMessage("x".repeat(5000));
            pods.add(f);
        }
        // the failed shards' outages at their widest: each failed for good on the model's or the object store's,
        // at random, so neither record is a run of ranges
        Random coin = new Random(7);
        for (int i = 0; i < shards; i += 7) {
            pods.add(Pods.unreachable(
                    i,
                    3,
                    coin.nextBoolean() ? ShardSummary.Outcome.modelUnreachable : ShardSummary.Outcome.storeUnreachable,
                    T0.minusSeconds(1)));
        }
        // the counts by name at their bound: 32 long names and '(other)' each
        FinishedPod widest = Pods.committed(3, 10);
        Map<String, Long> names = new TreeMap<>();
        for (int i = 0; i < 40; i++) {
            names.put("a-long-name-as-a-generated-recipe-could-well-have-" + i, 1L);
        }
        widest.summary().setWrittenByVariant(names);
        widest.summary().setRejectedByReason(names);
        widest.summary().setSkippedByReason(names);
        pods.add(widest);
        Map<Integer, ShardProgress> live = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            int shard = 99_000 + i;
            live.put(
                    shard,
                    new ShardProgress(
                            shard,
                            Long.MAX_VALUE / 4000,
                            1_000_000,
                            1_000_000,
                            Long.MAX_VALUE / 4000,
                            Long.MAX_VALUE / 4000,
                            1L << 40,
                            1L << 41));
        }
        RewriteJobStatus s = folder.fold(
                        null,
                        shards,
                        new WorkerJobView(done.build(), failed.build(), 1000, WorkerJobView.State.RUNNING, null),
                        pods,
                        live)
                .status();
        clock.advance(Duration.ofMinutes(1));
        s = folder.fold(
                        s,
                        shards,
                        new WorkerJobView(done.build(), failed.build(), 1000, WorkerJobView.State.RUNNING, null),
                        pods,
                        live)
                .status();
        assertNotNull(s.getDocuments().getInProgress());
        assertEquals(
                VariantCounts.MAX_NAMED + 1,
                s.getDocuments().getSkippedByReason().size());
        assertEquals(2, s.getOutageShards().size());
        int bytes = new ObjectMapper().writeValueAsBytes(s).length;
        assertTrue(bytes < 64 * 1024, "status " + bytes + " bytes");
    }

    @Test
    void withoutLiveReadingsTheStatusIsAsBefore() {
        RewriteJobStatus s = folder.fold(null, 10, running("0", "", 3), List.of(committed(0, 10)))
                .status();
        assertNull(s.getDocuments().getInProgress());
        assertNull(s.getTokens().getInProgressPrompt());
        assertNull(s.getThroughput().getSampledShardProgress());
    }

    @Test
    void throughputFollowsTheRecentWindowAndGivesAnEta() {
        RewriteJobStatus s =
                folder.fold(null, 1000, running("", "", 10), List.of()).status();
        assertEquals(0, s.getThroughput().getTokensPerSecond());
        assertNull(s.getEstimatedCompletionTime());

        // 100 shards per minute, 1,000 completion tokens per second.
        List<FinishedPod> pods = new ArrayList<>();
        for (int minute = 1; minute <= 5; minute++) {
            clock.advance(Duration.ofMinutes(1));
            for (int i = (minute - 1) * 100; i < minute * 100; i++) {
                ShardSummary sum = Pods.summary(i, ShardSummary.Outcome.committed, 1);
                sum.setCompletionTokens(600);
                pods.add(new FinishedPod(i, 1, true, false, sum, 0, null, null, clock.instant()));
            }
            s = folder.fold(s, 1000, running("0-" + (minute * 100 - 1), "", 10), pods)
                    .status();
        }
        assertEquals(1000, s.getThroughput().getTokensPerSecond());
        assertEquals(6000.0, s.getThroughput().getShardsPerHour(), 0.01);
        // 500 shards left at 6,000 per hour = 5 minutes after the last sample.
        assertEquals(clock.instant().plus(Duration.ofMinutes(5)).toString(), s.getEstimatedCompletionTime());

        // Progress stops: the rate decays rather than dropping to zero at once.
        clock.advance(Duration.ofMinutes(5));
        s = folder.fold(s, 1000, running("0-499", "", 10), pods).status();
        assertTrue(
                s.getThroughput().getTokensPerSecond() > 0 && s.getThroughput().getTokensPerSecond() < 1000,
                "decayed: " + s.getThroughput().getTokensPerSecond());
        assertNotNull(s.getEstimatedCompletionTime());
    }

    /** Ten running shards, each {@code bytes} of 1,000,000 through, with documents and tokens to match. */
    static Map<Integer, ShardProgress> tenShardsAt(long bytes) {
        Map<Integer, ShardProgress> live = new HashMap<>();
        for (int shard = 0; shard < 10; shard++) {
            live.put(shard, new ShardProgress(shard, bytes / 100, 0, 0, bytes / 10, bytes / 20, bytes, 1_000_000));
        }
        return live;
    }

    @Test
    void aRestartedOperatorWithoutReadingsYetNeitherLosesNorRecountsTheRunningShards() {
        // Steady: ten shards each read 1,000 bytes a second (3.6 shards an hour each, 36 in all).
        long bytes = 400_000;
        RewriteJobStatus s = folder.fold(null, 100, running("", "", 10), List.of(), tenShardsAt(bytes))
                .status();
        for (int i = 0; i < 20; i++) {
            clock.advance(Duration.ofSeconds(30));
            bytes += 30_000;
            s = folder.fold(s, 100, running("", "", 10), List.of(), tenShardsAt(bytes))
                    .status();
        }
        double steady = s.getThroughput().getShardsPerHour();
        long steadyTokens = s.getThroughput().getTokensPerSecond();
        assertEquals(36.0, steady, 0.01);
        Instant steadyEta = Instant.parse(s.getEstimatedCompletionTime());
        Long inProgress = s.getDocuments().getInProgress();

        // The operator restarts 45 s later: the first reconcile comes before the first scrape.
        clock.advance(Duration.ofSeconds(45));
        bytes += 45_000;
        JobStatusFolder restarted = new JobStatusFolder(clock);
        RewriteJobStatus atStart =
                restarted.fold(s, 100, running("", "", 10), List.of(), null).status();
        assertEquals(s.getThroughput(), atStart.getThroughput(), "no sample without the running shards");
        assertEquals(inProgress, atStart.getDocuments().getInProgress(), "the last known in-progress part stays");
        assertEquals(s.getEstimatedCompletionTime(), atStart.getEstimatedCompletionTime());

        // The first round's readings, 30 s later.
        clock.advance(Duration.ofSeconds(30));
        bytes += 30_000;
        RewriteJobStatus back = restarted
                .fold(atStart, 100, running("", "", 10), List.of(), tenShardsAt(bytes))
                .status();
        double rate = back.getThroughput().getShardsPerHour();
        assertTrue(rate < steady * 1.5 && rate > steady / 1.5, "shards/h " + rate + " against " + steady);
        long tokens = back.getThroughput().getTokensPerSecond();
        assertTrue(tokens < steadyTokens * 1.5, "tokens/s " + tokens + " against " + steadyTokens);
        assertTrue(
                !Instant.parse(back.getEstimatedCompletionTime()).isBefore(steadyEta.minusSeconds(60)),
                "ETA " + back.getEstimatedCompletionTime() + " against " + steadyEta);
    }

    @Test
    void stalledWorkersRatesFallAndTheirEstimateMovesLater() {
        // Steady: ten shards each read 1,000 bytes a second (36 shards an hour in all).
        long bytes = 100_000;
        RewriteJobStatus s = folder.fold(null, 100, running("", "", 10), List.of(), tenShardsAt(bytes))
                .status();
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofSeconds(30));
            bytes += 30_000;
            s = folder.fold(s, 100, running("", "", 10), List.of(), tenShardsAt(bytes))
                    .status();
        }
        assertEquals(36.0, s.getThroughput().getShardsPerHour(), 0.01);

        // The workers stall (a store outage waited out, a hung endpoint): their readings stay as they are, and the
        // job is looked at again every sample period. Rates fall on every look, the estimate moves later.
        for (int look = 1; look <= 20; look++) {
            clock.advance(JobDecider.RUNNING_RECHECK);
            RewriteJobStatus next = folder.fold(s, 100, running("", "", 10), List.of(), tenShardsAt(bytes))
                    .status();
            String at = "after " + look * 30 + " s without progress";
            assertTrue(
                    next.getThroughput().getShardsPerHour() < s.getThroughput().getShardsPerHour(), at);
            assertTrue(
                    next.getThroughput().getTokensPerSecond()
                            < s.getThroughput().getTokensPerSecond(),
                    at);
            assertTrue(
                    next.getThroughput().getDocumentsPerSecond()
                            < s.getThroughput().getDocumentsPerSecond(),
                    at);
            assertTrue(
                    next.getEstimatedCompletionTime() == null
                            || Instant.parse(next.getEstimatedCompletionTime())
                                    .isAfter(Instant.parse(s.getEstimatedCompletionTime())),
                    at + ": ETA " + next.getEstimatedCompletionTime() + " after " + s.getEstimatedCompletionTime());
            assertTrue(
                    next.getEstimatedCompletionTime() == null
                            || Instant.parse(next.getEstimatedCompletionTime()).isAfter(clock.instant()),
                    at + ": an estimate never lies in the past");
            s = next;
        }
        assertTrue(s.getThroughput().getShardsPerHour() < 36.0 / 2, "halved within ten minutes");

        // Long stalled, every rate falls to 0 and the estimate goes; then a look changes nothing (nothing is written).
        for (int look = 0; look < 400; look++) {
            clock.advance(JobDecider.RUNNING_RECHECK);
            s = folder.fold(s, 100, running("", "", 10), List.of(), tenShardsAt(bytes))
                    .status();
        }
        assertEquals(0, s.getThroughput().getTokensPerSecond());
        assertEquals(0.0, s.getThroughput().getShardsPerHour());
        assertNull(s.getEstimatedCompletionTime());
        clock.advance(JobDecider.RUNNING_RECHECK);
        assertEquals(
                s,
                folder.fold(s, 100, running("", "", 10), List.of(), tenShardsAt(bytes))
                        .status());

        // Moving again: the rate comes back.
        clock.advance(JobDecider.RUNNING_RECHECK);
        bytes += 30_000;
        s = folder.fold(s, 100, running("", "", 10), List.of(), tenShardsAt(bytes))
                .status();
        assertTrue(s.getThroughput().getShardsPerHour() > 0);
        assertNotNull(s.getEstimatedCompletionTime());
    }

    /**
     * Waves of ten shards, each running 300 s, answering a document a second and 100 completion tokens a second; a
     * wave commits at once and the next starts. Each receipt counts {@code receiptTokens} of the 30,000 tokens its
     * attempt was answered with (fewer: answers lost with a stopped request and asked again). With {@code lostAt}
     * above 0, the first three shards of each wave lose their attempts that many seconds in, and the next ones
     * answer their 300 documents again in the time left. The statuses of the samples, one every 30 s.
     */
    static List<RewriteJobStatus> wavesOfTenShards(long receiptTokens, int lostAt, int waves) {
        MutableClock clock = new MutableClock(T0);
        JobStatusFolder folder = new JobStatusFolder(clock);
        List<RewriteJobStatus> samples = new ArrayList<>();
        List<FinishedPod> pods = new ArrayList<>();
        RewriteJobStatus s = null;
        for (int t = 0; t < waves * 300; t += 30) {
            int wave = t / 300;
            int elapsed = t % 300;
            if (elapsed == 0) {
                for (int shard = (wave - 1) * 10; shard < wave * 10 && wave > 0; shard++) {
                    ShardSummary receipt = Pods.summary(shard, ShardSummary.Outcome.committed, 298);
                    receipt.setCompletionTokens(receiptTokens);
                    pods.add(new FinishedPod(shard, 1, true, false, receipt, 0, null, null, clock.instant()));
                }
            }
            Map<Integer, ShardProgress> live = new HashMap<>();
            for (int shard = wave * 10; shard < wave * 10 + 10; shard++) {
                long answered = elapsed;
                if (lostAt > 0 && shard < wave * 10 + 3 && elapsed >= lostAt) {
                    answered = 300L * (elapsed - lostAt) / (300 - lostAt);
                }
                live.put(
                        shard,
                        new ShardProgress(
                                shard,
                                answered,
                                0,
                                0,
                                200 * answered,
                                100 * answered,
                                1000 * answered,
                                300_000,
                                answered / 300.0));
            }
            String completed = wave == 0 ? "" : "0-" + (wave * 10 - 1);
            s = folder.fold(s, 100, running(completed, "", 10), pods, live).status();
            samples.add(s);
            clock.advance(JobDecider.RUNNING_RECHECK);
        }
        return samples;
    }

    /** The mean of a rate over the samples of the last four of eight waves (the window has forgotten its start). */
    static double lastWavesMean(List<RewriteJobStatus> samples, ToDoubleFunction<RewriteJobStatus> rate) {
        return samples.subList(40, 80).stream().mapToDouble(rate).average().orElseThrow();
    }

    @Test
    void theTokenRateCountsAnAnswerAskedAgainOnceWhenItsShardCommitsFewerTokensThanItsAttemptWasAnswered() {
        // 1,000 tokens/s answered, of which the receipts count 750/s: a quarter were answers asked again. The rate is
        // the receipts': each token counted once, where measuring on from the fall at each wave's commit counted the
        // answers asked again twice (900/s).
        List<RewriteJobStatus> retried = wavesOfTenShards(22_500, 0, 8);
        assertEquals(750, lastWavesMean(retried, s -> s.getThroughput().getTokensPerSecond()), 25, "tokens/s");

        // Whatever the receipts' tokens, the shards, the documents and the estimate move alike: the ETA follows
        // shards per hour alone.
        List<RewriteJobStatus> once = wavesOfTenShards(30_000, 0, 8);
        assertEquals(1000, lastWavesMean(once, s -> s.getThroughput().getTokensPerSecond()), 25, "tokens/s");
        for (int i = 0; i < 80; i++) {
            assertEquals(
                    once.get(i).getEstimatedCompletionTime(), retried.get(i).getEstimatedCompletionTime(), "" + i);
            assertEquals(
                    once.get(i).getThroughput().getShardsPerHour(),
                    retried.get(i).getThroughput().getShardsPerHour());
            assertEquals(
                    once.get(i).getThroughput().getDocumentsPerSecond(),
                    retried.get(i).getThroughput().getDocumentsPerSecond());
        }
    }

    @Test
    void documentsAndTokensAnAttemptLostAnsweredAgainCountOnce() {
        // Three shards of each wave lose their attempts 240 s in: the next attempts answer their 210 documents
        // answered by the last reading (and their tokens) again. Counted once, as the receipts count them: 10
        // documents and 1,000 tokens a second, where measuring on from the fall (larger than what the other shards
        // answered meanwhile) counted 420 of them again (11.4 and 1,140).
        List<RewriteJobStatus> lost = wavesOfTenShards(30_000, 240, 8);
        assertEquals(10, lastWavesMean(lost, s -> s.getThroughput().getDocumentsPerSecond()), 0.25, "documents/s");
        assertEquals(1000, lastWavesMean(lost, s -> s.getThroughput().getTokensPerSecond()), 25, "tokens/s");
    }

    @Test
    void aShardWhoseAttemptIsLostCountsOnceInTheShardRateAndTheEstimate() {
        // Ten shards commit every 300 s: 120 an hour, with or without lost attempts. Three shards of each wave lose
        // their attempts 240 s in (0.8 of their input read) and the next ones read it again: that reading is no
        // progress. Measured on from the fall, the rate counted it (148.8 an hour) and the ETA came early.
        List<RewriteJobStatus> once = wavesOfTenShards(30_000, 0, 8);
        List<RewriteJobStatus> lost = wavesOfTenShards(30_000, 240, 8);
        assertEquals(120, lastWavesMean(once, s -> s.getThroughput().getShardsPerHour()), 3, "shards/h");
        assertEquals(120, lastWavesMean(lost, s -> s.getThroughput().getShardsPerHour()), 3, "shards/h after losses");

        // Just after a loss there is more left to do than without it, at no higher a rate: the ETA is not earlier.
        for (int i = 8; i < 80; i += 10) {
            assertEquals(240, (i * 30) % 300, "a sample at the loss");
            RewriteJobStatus a = once.get(i);
            RewriteJobStatus b = lost.get(i);
            assertTrue(
                    b.getThroughput().getShardsPerHour() <= a.getThroughput().getShardsPerHour(),
                    i + ": " + b.getThroughput() + " against " + a.getThroughput());
            assertTrue(
                    !Instant.parse(b.getEstimatedCompletionTime())
                            .isBefore(Instant.parse(a.getEstimatedCompletionTime())),
                    i + ": ETA " + b.getEstimatedCompletionTime() + " against " + a.getEstimatedCompletionTime());
        }
        // The shards the lost attempts had read are work left: the status says how far the running shards are now.
        assertEquals(
                once.get(78).getThroughput().getSampledShardProgress() - 3 * 0.8,
                lost.get(78).getThroughput().getSampledShardProgress(),
                1e-9);
    }

    @Test
    void workersResumedAfterASuspendReadingBackToTheirCheckpointsAreNoProgress() {
        // Steady: ten shards each read 1,000 bytes a second (36 shards an hour in all).
        long bytes = 100_000;
        RewriteJobStatus s = folder.fold(null, 100, running("", "", 10), List.of(), tenShardsAt(bytes))
                .status();
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofSeconds(30));
            bytes += 30_000;
            s = folder.fold(s, 100, running("", "", 10), List.of(), tenShardsAt(bytes))
                    .status();
        }
        assertEquals(36.0, s.getThroughput().getShardsPerHour(), 0.01);

        // Suspended for a minute: the workers commit their parts and stop, no reading is left.
        for (int look = 0; look < 4; look++) {
            clock.advance(Duration.ofSeconds(20));
            s = folder.fold(s, 100, running("", "", 0), List.of(), Map.of(), true)
                    .status();
        }
        assertNull(s.getEstimatedCompletionTime());

        // Resumed: each shard's new worker takes its committed parts back at once, then reads on at the same pace.
        // Reading back what was read before the suspend is no progress: the rate never reads above the steady one.
        for (int look = 0; look < 20; look++) {
            clock.advance(Duration.ofSeconds(30));
            bytes += look == 0 ? 0 : 30_000;
            s = folder.fold(s, 100, running("", "", 10), List.of(), tenShardsAt(bytes))
                    .status();
            assertTrue(
                    s.getThroughput().getShardsPerHour() <= 36.0,
                    "after the resume " + (look + 1) * 30 + " s: " + s.getThroughput());
        }
        assertTrue(s.getThroughput().getShardsPerHour() > 0);
        assertNotNull(s.getEstimatedCompletionTime());
    }

    @Test
    void heldWorkersHaveNoRateAndNoEstimate() {
        List<FinishedPod> pods = new ArrayList<>();
        RewriteJobStatus s = folder.fold(null, 100, running("", "", 10), pods).status();
        for (int minute = 1; minute <= 3; minute++) {
            clock.advance(Duration.ofMinutes(1));
            for (int i = (minute - 1) * 10; i < minute * 10; i++) {
                pods.add(Pods.committed(i, 10));
            }
            s = folder.fold(s, 100, running("0-" + (minute * 10 - 1), "", 10), pods)
                    .status();
        }
        assertTrue(s.getThroughput().getTokensPerSecond() > 0);
        assertNotNull(s.getEstimatedCompletionTime());

        // Suspended (or held at parallelism 0): while pods are still stopping, the rates stand.
        clock.advance(Duration.ofSeconds(5));
        RewriteJobStatus stopping = folder.fold(s, 100, running("0-29", "", 4), pods, Map.of(), true)
                .status();
        assertNotNull(stopping.getEstimatedCompletionTime());
        // No worker pod left: nothing moves, and nothing is estimated.
        clock.advance(Duration.ofSeconds(5));
        RewriteJobStatus held = folder.fold(stopping, 100, running("0-29", "", 0), pods, Map.of(), true)
                .status();
        assertNull(held.getEstimatedCompletionTime());
        assertEquals(0, held.getThroughput().getTokensPerSecond());
        assertEquals(0.0, held.getThroughput().getShardsPerHour());
        clock.advance(Duration.ofMinutes(1));
        held = folder.fold(held, 100, running("0-29", "", 0), pods, Map.of(), true)
                .status();
        assertNull(held.getEstimatedCompletionTime());
        assertEquals(0.0, held.getThroughput().getShardsPerHour());

        // Running again: the rate starts over from what commits from now on.
        clock.advance(Duration.ofMinutes(1));
        for (int i = 30; i < 40; i++) {
            pods.add(Pods.committed(i, 10));
        }
        RewriteJobStatus resumed = folder.fold(held, 100, running("0-39", "", 10), pods, Map.of(), false)
                .status();
        assertTrue(resumed.getThroughput().getShardsPerHour() > 0);
        assertNotNull(resumed.getEstimatedCompletionTime());
    }

    @Test
    void aShardCommittedByAWorkerStoppedOnSigtermShowsSucceededYetStaysLeftToRun() {
        // Suspended with 10 indexes completed; two workers committed their shards in full as SIGTERM stopped them
        // (exit 143): one deleted by the suspend, one preempted. The Job controller runs both indexes again.
        List<FinishedPod> pods = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            pods.add(committed(i, 10));
        }
        pods.add(Pods.committedAsStopped(10, 10, false));
        pods.add(Pods.committedAsStopped(11, 10, true));
        RewriteJobStatus held = folder.fold(null, 20, running("0-9", "", 0), pods, Map.of(), true)
                .status();
        assertEquals(new RewriteJobStatus.ShardCounts(20, 12, 0, 0, 8, 2), held.getShards());
        assertEquals("12/20", held.getProgress());
        assertEquals(120, held.getDocuments().getWritten());
        // what decides: both indexes still need a worker pod, or the worker Job never completes
        assertEquals(10L, WorkerDemand.shardsLeft(held));
        assertEquals(10, WorkerDemand.notStarted(held.getShards()));
        // the shards' own range is the worker Job's
        assertEquals("0-9", held.getCompletedShards());

        // Resumed: each index runs again, finds its receipt and commits nothing; the counts stay, none is left over.
        clock.advance(Duration.ofMinutes(1));
        pods.add(Pods.foundCommitted(10, 10));
        pods.add(Pods.foundCommitted(11, 10));
        RewriteJobStatus resumed = folder.fold(held, 20, running("0-11", "", 3), pods, Map.of(), false)
                .status();
        assertEquals(new RewriteJobStatus.ShardCounts(20, 12, 0, 3, 5, 0), resumed.getShards());
        assertEquals(120, resumed.getDocuments().getWritten());
        assertEquals(8L, WorkerDemand.shardsLeft(resumed));
    }

    @Test
    void aCommittedShardTheWorkerJobFailedCountsFailedOnly() {
        // shard 3 committed as its worker stopped, then its index failed (the Job's verdict stands): not succeeded
        // twice over, and never more succeeded and failed than planned
        RewriteJobStatus s = folder.fold(
                        null,
                        4,
                        running("0-1", "3", 0),
                        List.of(committed(0, 5), committed(1, 5), Pods.committedAsStopped(3, 5, false)))
                .status();
        assertEquals(new RewriteJobStatus.ShardCounts(4, 2, 1, 0, 1), s.getShards());
    }

    @Test
    void podsOutsideTheShardRangeAreIgnored() {
        RewriteJobStatus s = folder.fold(null, 3, running("0", "", 0), List.of(committed(0, 5), committed(7, 100)))
                .status();
        assertEquals(5, s.getDocuments().getWritten());
    }

    @Test
    void theInputStatusIsNotModified() {
        RewriteJobStatus before = folder.fold(null, 3, running("0", "", 0), List.of(committed(0, 5)))
                .status();
        String snapshot = before.toString();
        folder.fold(before, 3, running("0-2", "", 0), List.of(committed(1, 5), committed(2, 5), failed(1, 1, T0)));
        assertEquals(snapshot, before.toString());
    }
}
