package io.palimpsest.operator.job.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.palimpsest.api.v1alpha1.ShardFailureReason;
import io.palimpsest.api.worker.AttemptLedger;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardReason;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.operator.job.status.JobStatusFolder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AttemptChargesTest {

    private static final Instant T = Instant.parse("2026-12-01T12:00:00Z");

    /** attemptsPerShard 2, 4 outage retries: what each shard's pods add up to. */
    @Test
    void failuresAndOutagesAreCountedApartAndCapped() {
        AttemptLedger ledger = AttemptCharges.ledger(
                List.of(
                        ended(1, 1, null),
                        ended(1, ExitCodes.TERMINATED, ShardReason.TERMINATED.code()),
                        ended(1, 137, null),
                        ended(2, 1, null),
                        ended(3, 75, null),
                        ended(3, 75, null),
                        ended(3, 75, null),
                        ended(3, 75, null),
                        ended(3, 1, null),
                        ended(4, 1, null),
                        committed(4),
                        ended(5, 43, "attemptsExhausted"),
                        disrupted(6)),
                2,
                4);
        assertEquals(
                Map.of(
                        1,
                                new AttemptLedger.Shard(
                                        2, 0, true), // two charged failures, the SIGTERM between them is free
                        2, new AttemptLedger.Shard(1, 0, false),
                        3,
                                new AttemptLedger.Shard(
                                        1, 4, false)), // 5 < 2 + 4: one more attempt; shard 4 committed, 5 refused (ran
                // nothing), 6 preempted
                Map.copyOf(ledger.getShards()));
    }

    @Test
    void theOutageBudgetEndsItToo() {
        AttemptLedger ledger = AttemptCharges.ledger(
                List.of(
                        ended(3, 75, null),
                        ended(3, 75, null),
                        ended(3, 75, null),
                        ended(3, 75, null),
                        ended(3, 75, null),
                        ended(3, 1, null)),
                2,
                4);
        assertTrue(ledger.of(3).isExhausted(), "1 failure + 5 outages = attemptsPerShard + modelUnreachableRetries");
        assertFalse(ledger.of(9).isExhausted());
        assertEquals(0, ledger.of(9).getFailures());
    }

    /**
     * An attempt that ended on an object store outage exits 75 like a model outage; the store that was
     * down may have refused the worker's marker, so the exit code (or the summary) alone makes it one.
     */
    @Test
    void aStoreOutageExitIsAnOutageNotAFailure() {
        FinishedPod storeDown = ended(7, ExitCodes.STORE_UNREACHABLE, ShardReason.STORE_UNREACHABLE.code());
        storeDown.summary().setOutcome(ShardSummary.Outcome.storeUnreachable);
        AttemptLedger ledger = AttemptCharges.ledger(List.of(storeDown, ended(7, 75, null)), 1, 4);
        assertEquals(new AttemptLedger.Shard(0, 2, false), ledger.of(7));
        assertEquals(
                ShardFailureReason.StoreUnreachable.name(),
                JobStatusFolder.failureOf(storeDown).getReason());
    }

    @Test
    void aRefusalIsNotAnAttempt() {
        List<FinishedPod> numbered =
                ShardAttempts.number(List.of(ended(1, 1, null), ended(1, 43, ShardReason.ATTEMPTS_EXHAUSTED.code())));
        assertEquals(List.of(0, 1), numbered.stream().map(FinishedPod::attempt).toList());
        assertFalse(ShardAttempts.charged(numbered.get(1)));
        assertEquals(
                ShardFailureReason.AttemptsExhausted.name(),
                JobStatusFolder.failureOf(numbered.get(1)).getReason());
    }

    /**
     * Counts never go down: pods collected since the last write (or deleted by hand) leave the counts written
     * before, and a closed shard stays closed with its closing time; a shard committed since has no entry.
     */
    @Test
    void countsWrittenBeforeAreAFloor() {
        AttemptLedger before = AttemptCharges.ledger(
                List.of(ended(1, 1, null), ended(1, 1, null), ended(2, 1, null), ended(3, 75, null)),
                k -> false,
                2,
                4,
                null,
                T,
                "job-a");
        assertTrue(before.of(1).isExhausted());
        assertEquals("job-a", before.getWorkerJob());

        AttemptLedger after =
                AttemptCharges.ledger(List.of(ended(2, 1, null)), k -> false, 2, 4, before, T.plusSeconds(60), "job-a");
        assertEquals(
                new AttemptLedger.Shard(2, 0, true, "2026-12-01T12:01:00Z"), after.of(1), "stamped when read back");
        assertEquals(
                after.of(1),
                AttemptCharges.ledger(List.of(), k -> false, 2, 4, after, T.plusSeconds(120), "job-a")
                        .of(1),
                "then kept");
        assertEquals(new AttemptLedger.Shard(1, 0, false), after.of(2));
        assertEquals(new AttemptLedger.Shard(0, 1, false), after.of(3));

        AttemptLedger committed =
                AttemptCharges.ledger(List.of(committed(1)), k -> k == 3, 2, 4, before, T.plusSeconds(60), "job-a");
        assertEquals(Set.of(2), committed.getShards().keySet(), "1 committed, 3 counted: nothing to cap");
    }

    /**
     * The worker Job deleted by hand (its pods with it) and made again: what the first one's pods were charged is
     * carried over and the new one's pods add to it, once; while there is no worker Job, nothing changes.
     */
    @Test
    void aReplacedWorkerJobCarriesTheCountsOver() {
        AttemptLedger first = AttemptCharges.ledger(
                List.of(ended(1, 1, null), ended(1, 1, null), ended(2, 1, null), ended(3, 75, null)),
                k -> false,
                2,
                4,
                null,
                T,
                "job-a");
        AttemptLedger between = AttemptCharges.ledger(List.of(), k -> false, 2, 4, first, T.plusSeconds(30), null);
        assertEquals(
                withoutCloseTimes(first),
                withoutCloseTimes(between),
                "no worker Job: the counts stay as written, for the next one to carry");
        assertEquals("2026-12-01T12:00:30Z", between.of(1).getClosedAt(), "the close read back is stamped");

        AttemptLedger second = AttemptCharges.ledger(
                List.of(ended(2, 137, null), ended(3, 75, null)),
                k -> false,
                2,
                4,
                between,
                T.plusSeconds(60),
                "job-b");
        assertEquals("job-b", second.getWorkerJob());
        assertTrue(second.of(1).isExhausted(), "failed for good under the first Job: no fresh attempts");
        assertEquals("2026-12-01T12:00:30Z", second.of(1).getClosedAt());
        assertEquals(2, second.of(2).getFailures(), "1 under the first Job + 1 under the second");
        assertTrue(second.of(2).isExhausted());
        assertEquals(2, second.of(3).getOutages());

        // The next reconcile reads the same pods of the second Job: nothing is counted twice.
        AttemptLedger again = AttemptCharges.ledger(
                List.of(ended(2, 137, null), ended(3, 75, null)), k -> false, 2, 4, second, T.plusSeconds(90), "job-b");
        assertEquals(withoutCloseTimes(second), withoutCloseTimes(again));
        assertEquals("2026-12-01T12:01:30Z", again.of(2).getClosedAt(), "closed by the second: stamped when read back");
        assertEquals(new AttemptLedger.Shard(0, 2, false, null, 0, 1), again.of(3));
    }

    /** SIGTERM while the JVM was starting: exit 143 and no summary; a deletion, not the shard's fault. */
    @Test
    void sigtermWithoutASummaryIsNotCharged() {
        FinishedPod early = new FinishedPod(2, 0, false, false, null, 143, "Error", null, T);
        assertFalse(ShardAttempts.charged(early));
        assertTrue(AttemptCharges.ledger(List.of(early), 1, 0).getShards().isEmpty());
    }

    @Test
    void countedShardsAreLeftOut() {
        AttemptLedger ledger = AttemptCharges.ledger(
                List.of(ended(1, 1, null), ended(2, 1, null)), shard -> shard == 1, 2, 4, null, null);
        assertEquals(Set.of(2), ledger.getShards().keySet(), "shard 1 is committed: its failures need no entry");
    }

    /**
     * Active pods of a closed shard created before it closed (they may have read the ledger without
     * it); terminating, finished and other shards' pods are not, nor one created after the close.
     */
    @Test
    void podsPastTheCapAreTheActiveOnesOfClosedShards() {
        AttemptLedger ledger =
                AttemptCharges.ledger(List.of(ended(1, 1, null), ended(1, 1, null), ended(2, 1, null)), 2, 4);
        List<Pod> pods = List.of(
                pod("a", 1, "Running", false),
                pod("b", 1, "Running", true),
                pod("c", 1, "Failed", false),
                pod("d", 2, "Running", false),
                pod("e", 3, "Pending", false),
                pod("f", 1, "Pending", false));
        assertEquals(
                List.of("a", "f"),
                AttemptCharges.pastTheCap(pods, ledger).stream()
                        .map(p -> p.getMetadata().getName())
                        .toList());

        AttemptLedger closing = AttemptCharges.ledger(
                List.of(ended(1, 1, null), ended(1, 1, null)), k -> false, 2, 4, null, T.plusMillis(9_000));
        AttemptLedger closed = AttemptCharges.ledger(
                List.of(ended(1, 1, null), ended(1, 1, null)), k -> false, 2, 4, closing, T.plusMillis(10_500));
        assertEquals("2026-12-01T12:00:10.500Z", closed.of(1).getClosedAt());
        Pod before = pod("g", 1, "Running", false);
        before.getMetadata().setCreationTimestamp("2026-12-01T12:00:10Z");
        Pod after = pod("h", 1, "Running", false);
        after.getMetadata().setCreationTimestamp("2026-12-01T12:00:11Z");
        assertEquals(
                List.of("g"),
                AttemptCharges.pastTheCap(List.of(before, after), closed).stream()
                        .map(p -> p.getMetadata().getName())
                        .toList(),
                "h was created after the close: it read the closed ledger");
        assertEquals(
                "2026-12-01T12:00:10.500Z",
                AttemptCharges.ledger(
                                List.of(ended(1, 1, null), ended(1, 1, null)),
                                k -> false,
                                2,
                                4,
                                closed,
                                T.plusSeconds(60))
                        .of(1)
                        .getClosedAt(),
                "the first close stays");
    }

    /**
     * The write that closes a shard carries no time: it may land later than it was decided (a 500 the client
     * answers by sending the same body again, a timeout after it landed), and a pod created meanwhile read the
     * ledger open. The close is stamped by the first reading of the ledger that holds it, and kept after.
     */
    @Test
    void aCloseIsStampedWhenItIsReadBack() {
        List<FinishedPod> one = List.of(ended(1, 1, null));
        List<FinishedPod> two = List.of(ended(1, 1, null), ended(1, 1, null));
        AttemptLedger open = AttemptCharges.ledger(one, k -> false, 2, 4, null, T, "job-a");
        assertFalse(open.of(1).isExhausted());

        AttemptLedger closing = AttemptCharges.ledger(two, k -> false, 2, 4, open, T.plusSeconds(1), "job-a");
        assertTrue(closing.of(1).isExhausted());
        assertEquals(null, closing.of(1).getClosedAt(), "decided, not landed: no time");
        Pod late = pod("late", 1, "Running", false);
        late.getMetadata().setCreationTimestamp("2026-12-01T12:01:00Z");
        assertEquals(
                List.of(late),
                AttemptCharges.pastTheCap(List.of(late), closing),
                "until the close has a time every pod of the shard counts as created before it");
        assertEquals(
                null,
                AttemptCharges.ledger(two, k -> false, 2, 4, open, T.plusSeconds(20), "job-a")
                        .of(1)
                        .getClosedAt(),
                "decided again from the open ledger (the write refused, the reconcile retried): still no time");

        AttemptLedger readBack = AttemptCharges.ledger(two, k -> false, 2, 4, closing, T.plusMillis(30_400), "job-a");
        assertEquals("2026-12-01T12:00:30.400Z", readBack.of(1).getClosedAt());
        Pod whileLanding = pod("whileLanding", 1, "Running", false);
        whileLanding.getMetadata().setCreationTimestamp("2026-12-01T12:00:25Z");
        Pod afterStamp = pod("afterStamp", 1, "Running", false);
        afterStamp.getMetadata().setCreationTimestamp("2026-12-01T12:00:31Z");
        assertEquals(
                List.of(whileLanding),
                AttemptCharges.pastTheCap(List.of(whileLanding, afterStamp), readBack),
                "created after the decision but before the read-back: it may have read the ledger open");
        assertEquals(
                "2026-12-01T12:00:30.400Z",
                AttemptCharges.ledger(two, k -> false, 2, 4, readBack, T.plusSeconds(90), "job-a")
                        .of(1)
                        .getClosedAt(),
                "stamped once");
    }

    private static Map<Integer, AttemptLedger.Shard> withoutCloseTimes(AttemptLedger ledger) {
        Map<Integer, AttemptLedger.Shard> shards = new TreeMap<>();
        ledger.getShards()
                .forEach((k, v) -> shards.put(
                        k,
                        new AttemptLedger.Shard(
                                v.getFailures(),
                                v.getOutages(),
                                v.isExhausted(),
                                null,
                                v.getCarriedFailures(),
                                v.getCarriedOutages())));
        return shards;
    }

    private static Pod pod(String name, int shard, String phase, boolean terminating) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels(RewriteJobNames.ROLE_LABEL, RewriteJobNames.ROLE_WORK)
                .addToAnnotations(RewriteJobNames.COMPLETION_INDEX, String.valueOf(shard))
                .withDeletionTimestamp(terminating ? "2026-12-01T12:00:00Z" : null)
                .endMetadata()
                .withNewStatus()
                .withPhase(phase)
                .endStatus()
                .build();
    }

    private static int second;

    private static FinishedPod ended(int shard, int exit, String reason) {
        ShardSummary summary = null;
        if (reason != null) {
            summary = new ShardSummary();
            summary.setShard(shard);
            summary.setOutcome(ShardSummary.Outcome.error);
            summary.setReason(reason);
        }
        return new FinishedPod(shard, 0, false, false, summary, exit, "Error", null, T.plusSeconds(second++));
    }

    private static FinishedPod committed(int shard) {
        ShardSummary summary = new ShardSummary();
        summary.setShard(shard);
        summary.setOutcome(ShardSummary.Outcome.committed);
        return new FinishedPod(shard, 0, true, false, summary, 0, "Completed", null, T.plusSeconds(second++));
    }

    private static FinishedPod disrupted(int shard) {
        return new FinishedPod(shard, 0, false, true, null, 143, "Error", null, T.plusSeconds(second++));
    }
}
