package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.status.ConditionAggregator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Operator restarts against one API server: every reconcile here is a new reconciler instance
 * whose only memory is what the server holds (a fresh informer sync), and two instances may act
 * on the same stale snapshot. No Job is ever created twice and no summary is counted twice.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorRestartTest {
    static final String NS = "test";
    KubernetesClient client;
    KubernetesMockServer server;
    JobControllerMoves moves;
    // JobControllerMoves stamps conditions with the real time; the tally waits 30 s of this clock after them.
    final MutableClock clock = new MutableClock(Instant.now());
    final AtomicInteger statusWrites = new AtomicInteger();

    @BeforeEach
    void setUp() throws Exception {
        ValidatingApiServer.installForCustomResources(server, List.of());
        new FreshReconciles(client, clock).install("m");
        moves = new JobControllerMoves(client, NS);
        RewriteJob job = TestJobs.job("rs", "s3://corpus/in", "s3://corpus/out");
        job.getSpec().getModelRef().setName("m");
        RewriteJobSpec.Workers workers = new RewriteJobSpec.Workers();
        workers.setParallelism(new IntOrString(8));
        job.getSpec().setWorkers(workers);
        client.resource(job).create();
    }

    /** A brand-new operator instance: it reconciles once from what the server holds. */
    void newOperatorReconciles() {
        reconcile(new SnapshotContext(client, NS, "rs"));
    }

    void reconcile(SnapshotContext context) {
        freshReconciler().reconcile(context.primary(), context);
    }

    RewriteJobReconciler freshReconciler() {
        return FreshReconcile.reconciler(
                clock, TestSettings.config("ghcr.io/palimpsest/worker:test"), (job, next, context) -> {
                    job.setStatus(next);
                    client.resource(job).updateStatus();
                    statusWrites.incrementAndGet();
                });
    }

    RewriteJobStatus status() {
        return client.resources(RewriteJob.class)
                .inNamespace(NS)
                .withName("rs")
                .get()
                .getStatus();
    }

    List<Job> jobs(String role) {
        return client.batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withLabel(RewriteJobNames.ROLE_LABEL, role)
                .list()
                .getItems();
    }

    @Test
    void restartsNeitherDuplicateJobsNorDoubleCountDocuments() {
        // Two operator instances (the old one not yet gone) act on the same snapshot.
        SnapshotContext a = new SnapshotContext(client, NS, "rs");
        SnapshotContext b = new SnapshotContext(client, NS, "rs");
        reconcile(a);
        reconcile(b);
        assertEquals(1, jobs("plan").size());
        assertEquals(JobPhase.Planning, status().getPhase());

        moves.plannerSucceeds("rs-plan", 100);
        SnapshotContext c = new SnapshotContext(client, NS, "rs");
        SnapshotContext d = new SnapshotContext(client, NS, "rs");
        reconcile(c);
        reconcile(d);
        assertEquals(1, jobs("work").size());
        assertEquals(JobPhase.Running, status().getPhase());
        assertEquals(100, status().getShards().getTotal());

        for (int i = 0; i < 50; i++) {
            moves.shardCommits("rs-work", i, 10);
        }
        moves.workerStatus("rs-work", "0-49", "", 8);
        newOperatorReconciles();
        assertEquals(500, status().getDocuments().getWritten());

        // Restart: the new instance sees the same 50 pods again, plus 30 more, while the
        // garbage collector removed some of the old ones.
        client.pods().inNamespace(NS).withLabel(RewriteJobNames.ROLE_LABEL, "work").list().getItems().stream()
                .limit(20)
                .forEach(p -> client.resource(p).delete());
        for (int i = 50; i < 80; i++) {
            moves.shardCommits("rs-work", i, 10);
        }
        moves.workerStatus("rs-work", "0-79", "", 8);
        newOperatorReconciles();
        newOperatorReconciles();
        assertEquals(800, status().getDocuments().getWritten());
        assertEquals("0-79", status().getCountedShards());

        // Nothing new: nobody writes.
        clock.advance(Duration.ofSeconds(1));
        int writes = statusWrites.get();
        newOperatorReconciles();
        newOperatorReconciles();
        assertEquals(writes, statusWrites.get());

        // The operator is down while the last 20 shards finish and 10 of their pods are collected.
        for (int i = 80; i < 90; i++) {
            moves.shardCommits("rs-work", i, 10);
        }
        moves.workerStatus("rs-work", "0-99", "", 0);
        moves.finish("rs-work", "Complete", null);
        clock.advance(Duration.ofMinutes(1));
        newOperatorReconciles();
        assertEquals(900, status().getDocuments().getWritten());
        assertEquals(JobPhase.Running, status().getPhase());
        assertEquals(
                "Tallying",
                ConditionAggregator.find(status().getConditions(), "Progressing")
                        .getReason());
        Job tally = jobs("tally").get(0);
        assertEquals(
                List.of("tally", "--job", "/etc/palimpsest/job.yaml"),
                tally.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs());

        newOperatorReconciles();
        assertEquals(1, jobs("tally").size());

        // The tally reads every receipt: the totals become exact.
        Tally sums = new Tally();
        sums.setReceipts(100);
        sums.setRead(1100);
        sums.setWritten(1000);
        sums.setRejected(100);
        sums.setPromptTokens(10_000);
        sums.setCompletionTokens(9_000);
        moves.terminatedPod(tally, null, 0, true, 0, "Completed", JobControllerMoves.json(sums), false);
        moves.finish("rs-tally", "Complete", null);
        newOperatorReconciles();
        RewriteJobStatus done = status();
        assertEquals(JobPhase.Succeeded, done.getPhase());
        assertEquals(1000, done.getDocuments().getWritten());
        assertEquals(9000, done.getTokens().getCompletion());
        assertEquals("0-99", done.getCountedShards());
        assertNotNull(done.getCompletionTime());

        // Late summaries of collected pods change nothing any more.
        for (int i = 90; i < 100; i++) {
            moves.shardCommits("rs-work", i, 10);
        }
        newOperatorReconciles();
        assertEquals(1000, status().getDocuments().getWritten());
        assertEquals(1, jobs("work").size());
        assertEquals(1, jobs("plan").size());
        assertEquals(1, jobs("tally").size());
    }

    @Test
    void aSuspendedJobHasNoEstimateAndNoRate() {
        newOperatorReconciles();
        moves.plannerSucceeds("rs-plan", 100);
        newOperatorReconciles();
        for (int i = 0; i < 10; i++) {
            moves.shardCommits("rs-work", i, 10);
        }
        moves.workerStatus("rs-work", "0-9", "", 8);
        newOperatorReconciles();
        clock.advance(Duration.ofMinutes(1));
        for (int i = 10; i < 20; i++) {
            moves.shardCommits("rs-work", i, 10);
        }
        moves.workerStatus("rs-work", "0-19", "", 8);
        newOperatorReconciles();
        assertTrue(status().getThroughput().getTokensPerSecond() > 0);
        assertNotNull(status().getEstimatedCompletionTime());

        JobControllerMoves.retryOnConflict(() -> client.resources(RewriteJob.class)
                .inNamespace(NS)
                .withName("rs")
                .edit(j -> {
                    j.getSpec().setSuspend(true);
                    return j;
                }));
        newOperatorReconciles();
        assertEquals(Boolean.TRUE, moves.job("rs-work").getSpec().getSuspend());
        // The Job controller stops the pods.
        moves.workerStatus("rs-work", "0-19", "", 0);
        clock.advance(Duration.ofSeconds(10));
        newOperatorReconciles();
        assertEquals(JobPhase.Suspended, status().getPhase());
        assertNull(status().getEstimatedCompletionTime(), "nothing runs: no completion to estimate");
        assertEquals(0, status().getThroughput().getTokensPerSecond());
        assertEquals(0.0, status().getThroughput().getShardsPerHour());
    }

    @Test
    void aFinishedJobHasNoRateNoEstimateAndNothingInProgress() {
        newOperatorReconciles();
        moves.plannerSucceeds("rs-plan", 100);
        newOperatorReconciles();
        for (int i = 0; i < 10; i++) {
            moves.shardCommits("rs-work", i, 10);
        }
        moves.workerStatus("rs-work", "0-9", "", 8);
        newOperatorReconciles();
        clock.advance(Duration.ofMinutes(1));
        for (int i = 10; i < 20; i++) {
            moves.shardCommits("rs-work", i, 10);
        }
        moves.workerStatus("rs-work", "0-19", "", 8);
        newOperatorReconciles();
        assertTrue(status().getThroughput().getTokensPerSecond() > 0);
        assertNotNull(status().getEstimatedCompletionTime());

        // The rest commits within the sample period, and the worker Job completes.
        for (int i = 20; i < 100; i++) {
            moves.shardCommits("rs-work", i, 10);
        }
        moves.workerStatus("rs-work", "0-99", "", 0);
        moves.finish("rs-work", "Complete", null);
        clock.advance(Duration.ofSeconds(10));
        newOperatorReconciles();
        RewriteJobStatus done = status();
        assertEquals(JobPhase.Succeeded, done.getPhase());
        // kubectl's Tokens/s column and palimpsest_job_tokens_per_second say nothing runs.
        assertEquals(0, done.getThroughput().getTokensPerSecond());
        assertEquals(0.0, done.getThroughput().getShardsPerHour());
        assertTrue(
                done.getThroughput().getDocumentsPerSecond() == null
                        || done.getThroughput().getDocumentsPerSecond() == 0.0,
                "documents/s " + done.getThroughput().getDocumentsPerSecond());
        assertNull(done.getEstimatedCompletionTime());
        assertNull(done.getDocuments().getInProgress());

        // And so it stays: a later look writes nothing.
        clock.advance(Duration.ofMinutes(5));
        int writes = statusWrites.get();
        newOperatorReconciles();
        assertEquals(writes, statusWrites.get());
        assertEquals(0, status().getThroughput().getTokensPerSecond());
    }

    @Test
    void aRunningJobIsLookedAtAgainSoItsRatesAndEstimateFollowTime() {
        newOperatorReconciles();
        moves.plannerSucceeds("rs-plan", 100);
        newOperatorReconciles();
        for (int i = 0; i < 10; i++) {
            moves.shardCommits("rs-work", i, 10);
        }
        moves.workerStatus("rs-work", "0-9", "", 8);
        newOperatorReconciles();
        clock.advance(Duration.ofMinutes(1));
        for (int i = 10; i < 20; i++) {
            moves.shardCommits("rs-work", i, 10);
        }
        moves.workerStatus("rs-work", "0-19", "", 8);
        newOperatorReconciles();
        RewriteJobStatus before = status();
        assertTrue(before.getThroughput().getTokensPerSecond() > 0);
        assertNotNull(before.getEstimatedCompletionTime());

        // The workers stall: no event comes, yet the reconcile asks to be run again within the sample period.
        clock.advance(JobDecider.RUNNING_RECHECK);
        SnapshotContext stalled = new SnapshotContext(client, NS, "rs");
        var control = freshReconciler().reconcile(stalled.primary(), stalled);
        assertEquals(Optional.of(JobDecider.RUNNING_RECHECK.toMillis()), control.getScheduleDelay());
        RewriteJobStatus after = status();
        assertTrue(after.getThroughput().getTokensPerSecond()
                < before.getThroughput().getTokensPerSecond());
        assertTrue(Instant.parse(after.getEstimatedCompletionTime())
                .isAfter(Instant.parse(before.getEstimatedCompletionTime())));

        // A look sooner than the sample period changes nothing and writes nothing.
        clock.advance(Duration.ofSeconds(5));
        int writes = statusWrites.get();
        newOperatorReconciles();
        assertEquals(writes, statusWrites.get());

        // Suspended: nothing runs, nothing to follow; no periodic look.
        JobControllerMoves.retryOnConflict(() -> client.resources(RewriteJob.class)
                .inNamespace(NS)
                .withName("rs")
                .edit(j -> {
                    j.getSpec().setSuspend(true);
                    return j;
                }));
        SnapshotContext suspended = new SnapshotContext(client, NS, "rs");
        assertTrue(freshReconciler()
                .reconcile(suspended.primary(), suspended)
                .getScheduleDelay()
                .isEmpty());
    }

    @Test
    void aRerunOfACompletedSpecDoesNoWorkAndSucceeds() {
        newOperatorReconciles();
        moves.plannerSucceeds("rs-plan", 3);
        newOperatorReconciles();
        // Every shard has a receipt already: the workers report alreadyCommitted with the receipts' counts.
        for (int i = 0; i < 3; i++) {
            moves.terminatedPod(
                    moves.job("rs-work"),
                    i,
                    0,
                    true,
                    0,
                    "Completed",
                    JobControllerMoves.summaryJson(i, ShardSummary.Outcome.alreadyCommitted, 7),
                    false);
        }
        moves.workerStatus("rs-work", "0-2", "", 0);
        moves.finish("rs-work", "Complete", null);
        newOperatorReconciles();
        assertEquals(JobPhase.Succeeded, status().getPhase());
        assertEquals(21, status().getDocuments().getWritten());
        assertEquals(List.of(), jobs("tally"));
    }

    @Test
    void aCollectedPlannerPodIsRecoveredFromTheRecordedCount() {
        newOperatorReconciles();
        moves.plannerSucceeds("rs-plan", 12);
        newOperatorReconciles();
        assertEquals("12", moves.job("rs-plan").getMetadata().getAnnotations().get(RewriteJobNames.SHARDS_ANNOTATION));
        // The status is lost (e.g. restored from a backup without it) and the planner pod is collected.
        RewriteJob job = client.resources(RewriteJob.class)
                .inNamespace(NS)
                .withName("rs")
                .get();
        job.setStatus(null);
        client.resource(job).updateStatus();
        client.pods()
                .inNamespace(NS)
                .withLabel(RewriteJobNames.ROLE_LABEL, "plan")
                .delete();
        newOperatorReconciles();
        assertEquals(12, status().getShards().getTotal());
        assertEquals(JobPhase.Running, status().getPhase());
        assertEquals(1, jobs("work").size());
        assertNull(moves.job("rs-tally"));
    }
}
