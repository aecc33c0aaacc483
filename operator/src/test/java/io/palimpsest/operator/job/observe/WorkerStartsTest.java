package io.palimpsest.operator.job.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.operator.job.RewriteJobNames;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class WorkerStartsTest {
    private final Map<String, FinishedPod> readings = new HashMap<>();
    private final Function<Pod, Optional<FinishedPod>> read =
            p -> Optional.ofNullable(readings.get(p.getMetadata().getUid()));

    /** A worker pod of {@code job} created at {@code created}, finished {@code ranFor + start} seconds later, its shard having run {@code ranFor}. */
    private Pod worker(
            String uid,
            String job,
            String role,
            String created,
            double start,
            double ranFor,
            ShardSummary.Outcome outcome) {
        ShardSummary summary = new ShardSummary();
        summary.setOutcome(outcome);
        summary.setSeconds(ranFor);
        Instant finished = Instant.parse(created).plusMillis(Math.round((start + ranFor) * 1000));
        readings.put(uid, new FinishedPod(0, 0, true, false, summary, 0, null, null, finished));
        return new PodBuilder()
                .withNewMetadata()
                .withNamespace("ns")
                .withUid(uid)
                .withCreationTimestamp(created)
                .addToLabels(RewriteJobNames.JOB_LABEL, job)
                .addToLabels(RewriteJobNames.ROLE_LABEL, role)
                .endMetadata()
                .withNewStatus()
                .withPhase("Succeeded")
                .endStatus()
                .build();
    }

    @Test
    void aWorkersStartIsItsCreationToItsShardsFirstRequest() {
        Pod pod = worker(
                "a", "j", RewriteJobNames.ROLE_WORK, "2026-01-01T00:00:00Z", 9, 51, ShardSummary.Outcome.committed);
        assertEquals(Optional.of(9.0), WorkerStarts.startSeconds(pod, readings.get("a")));
        Pod done = worker(
                "b",
                "j",
                RewriteJobNames.ROLE_WORK,
                "2026-01-01T00:00:00Z",
                9,
                0.1,
                ShardSummary.Outcome.alreadyCommitted);
        assertEquals(
                Optional.empty(),
                WorkerStarts.startSeconds(done, readings.get("b")),
                "found its shard committed: ran none");
    }

    @Test
    void thisJobsPodsFirstElseTheNamespacesEarlierOnes() {
        WorkerStarts starts = new WorkerStarts();
        assertEquals(Optional.empty(), starts.forPreview("ns", List.of(), read), "nothing seen: not known");

        List<Pod> earlier = List.of(
                worker(
                        "e1",
                        "old",
                        RewriteJobNames.ROLE_WORK,
                        "2026-01-01T00:00:00Z",
                        4,
                        30,
                        ShardSummary.Outcome.committed),
                worker(
                        "e2",
                        "old",
                        RewriteJobNames.ROLE_WORK,
                        "2026-01-01T00:00:00Z",
                        6,
                        40,
                        ShardSummary.Outcome.committed),
                worker(
                        "e3",
                        "old",
                        RewriteJobNames.ROLE_WORK,
                        "2026-01-01T00:00:00Z",
                        20,
                        50,
                        ShardSummary.Outcome.committed),
                worker(
                        "p1",
                        "old",
                        RewriteJobNames.ROLE_PLAN,
                        "2026-01-01T00:00:00Z",
                        1,
                        5,
                        ShardSummary.Outcome.committed));
        starts.record("ns", earlier, read);
        starts.record("ns", earlier, read); // the next reconcile sees them again
        WorkerStarts.Measured kept = starts.forPreview("ns", List.of(), read).orElseThrow();
        assertEquals(6.0, kept.seconds(), 1e-9, "the median of 4, 6 and 20 s; the planner pod is no worker");
        assertEquals(3, kept.pods());
        assertTrue(kept.source().contains("earlier jobs"), kept.source());
        assertEquals(
                Optional.empty(),
                starts.forPreview("elsewhere", List.of(), read),
                "another namespace's pods are not this one's");

        List<Pod> own = List.of(
                worker(
                        "o1",
                        "new",
                        RewriteJobNames.ROLE_WORK,
                        "2026-01-01T01:00:00Z",
                        12,
                        30,
                        ShardSummary.Outcome.committed),
                worker(
                        "o2",
                        "new",
                        RewriteJobNames.ROLE_WORK,
                        "2026-01-01T01:00:00Z",
                        14,
                        30,
                        ShardSummary.Outcome.committed));
        WorkerStarts.Measured mine = starts.forPreview("ns", own, read).orElseThrow();
        assertEquals(13.0, mine.seconds(), 1e-9);
        assertTrue(mine.source().contains("this job's last 2"), mine.source());
    }
}
