package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardReason;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.status.ConditionAggregator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A worker killed after it created its shard's receipt and before its summary (out of memory: exit 137, no
 * termination message), on an attempt that also spent the index's backoffLimitPerIndex: the Job controller fails the
 * index although the shard's output is committed. The operator reads no storage; the tally Job reads the receipts and
 * says which shards have one, and the job counts such a shard committed: Succeeded with every shard, where it said
 * ShardsFailed (or Failed, with retry.maxFailedShards 0) with the shard's documents missing from its counts.
 * Against the mock API server, this test playing the Job controller and the kubelet, each reconcile a new operator's.
 */
@EnableKubernetesMockClient(crud = true)
class FailedIndexReceiptsTest {
    static final String NS = "test";
    KubernetesClient client;
    KubernetesMockServer server;
    JobControllerMoves moves;
    // JobControllerMoves stamps conditions with the real time; the tally waits a grace of this clock after them.
    final MutableClock clock = new MutableClock(Instant.now());

    @Test
    void aShardWhoseIndexFailedAfterItsCommitIsCommittedOnceTheTallyFindsItsReceipt() throws Exception {
        start("kf", null);
        moves.shardCommits("kf-work", 0, 10);
        moves.shardCommits("kf-work", 1, 10);
        killedAfterItsCommit("kf-work", 2);
        moves.workerStatus("kf-work", "0-1", "2", 0);
        moves.finish("kf-work", "Failed", "FailedIndexes");

        RewriteJobStatus tallying = reconcileAfterTheGrace("kf");
        assertEquals(JobPhase.Running, tallying.getPhase(), "the outcome waits for the receipts");
        var progressing = ConditionAggregator.find(tallying.getConditions(), Conditions.PROGRESSING);
        assertEquals("Tallying", progressing.getReason());
        assertEquals(
                "all shards finished; reading the receipts for exact totals and for which of the 1 failed shard(s)"
                        + " committed all the same",
                progressing.getMessage());
        Job tally = tally("kf");

        tallySays(tally, "kf", receipts(3, "0-2"));
        RewriteJobStatus done = reconcile("kf");
        assertEquals(JobPhase.Succeeded, done.getPhase(), "" + done.getConditions());
        assertEquals(
                "AllShardsCommitted",
                ConditionAggregator.find(done.getConditions(), Conditions.COMPLETE)
                        .getReason());
        assertEquals(new RewriteJobStatus.ShardCounts(3, 3, 0, 0, 0), done.getShards());
        assertEquals("3/3", done.getProgress());
        assertEquals("0-2", done.getCompletedShards());
        assertNull(done.getFailedShards());
        assertEquals(30, done.getDocuments().getWritten(), "shard 2's documents are counted");
        assertEquals("0-2", done.getCountedShards());
        assertTrue(
                done.getRecentFailures().stream().anyMatch(f -> f.getShard() == 2),
                "the kill stays a failed attempt: " + done.getRecentFailures());
    }

    /** With retry.maxFailedShards 0 the Job controller ends the worker Job at the one failed index: still committed. */
    @Test
    void noFailedShardAllowedAndTheOnlyFailedIndexCommittedSucceeds() throws Exception {
        start("kz", 0);
        moves.shardCommits("kz-work", 0, 10);
        moves.shardCommits("kz-work", 1, 10);
        killedAfterItsCommit("kz-work", 2);
        moves.workerStatus("kz-work", "0-1", "2", 0);
        moves.finish("kz-work", "Failed", "MaxFailedIndexesExceeded");

        assertEquals(JobPhase.Running, reconcileAfterTheGrace("kz").getPhase(), "not Failed before the receipts");
        tallySays(tally("kz"), "kz", receipts(3, "0-2"));
        RewriteJobStatus done = reconcile("kz");
        assertEquals(JobPhase.Succeeded, done.getPhase(), "" + done.getConditions());
        assertEquals(3, done.getShards().getSucceeded());
        assertEquals(0, done.getShards().getFailed());
    }

    /** The tally finds no receipt for the killed shard: it failed, as the Job says. */
    @Test
    void aFailedIndexWithoutAReceiptStaysFailed() throws Exception {
        start("kn", null);
        moves.shardCommits("kn-work", 0, 10);
        moves.shardCommits("kn-work", 1, 10);
        killedAfterItsCommit("kn-work", 2);
        moves.workerStatus("kn-work", "0-1", "2", 0);
        moves.finish("kn-work", "Failed", "FailedIndexes");

        reconcileAfterTheGrace("kn");
        tallySays(tally("kn"), "kn", receipts(2, "0-1"));
        RewriteJobStatus done = reconcile("kn");
        assertEquals(JobPhase.Succeeded, done.getPhase());
        assertEquals(
                "ShardsFailed",
                ConditionAggregator.find(done.getConditions(), Conditions.COMPLETE)
                        .getReason());
        assertEquals("2", done.getFailedShards());
        assertEquals(new RewriteJobStatus.ShardCounts(3, 2, 1, 0, 0), done.getShards());
    }

    /**
     * A shard whose failure the worker said (exit 42: bad data, before any commit) needs no look at the receipts:
     * the job ends ShardsFailed at once, with no tally.
     */
    @Test
    void aFailureTheWorkerSaidNeedsNoTally() throws Exception {
        start("kb", null);
        moves.shardCommits("kb-work", 0, 10);
        moves.shardCommits("kb-work", 1, 10);
        moves.shardFails("kb-work", 2, 0, ExitCodes.BAD_DATA, ShardSummary.Outcome.badData, "bad_data");
        moves.workerStatus("kb-work", "0-1", "2", 0);
        moves.finish("kb-work", "Failed", "FailedIndexes");
        RewriteJobStatus done = reconcileAfterTheGrace("kb");
        assertEquals(JobPhase.Succeeded, done.getPhase());
        assertEquals("2", done.getFailedShards());
        assertEquals(List.of(), jobs("kb", "tally"));
    }

    /**
     * The killed shard's attempts before met the model's outage (exit 75), then the kill after the commit spent the
     * index: the job, which failed ModelUnreachable, waits for the receipts and Succeeds.
     */
    @Test
    void aShardKilledAfterItsCommitFollowingAnOutageIsNoOutageFailure() throws Exception {
        start("ko", null);
        moves.shardCommits("ko-work", 0, 10);
        moves.shardCommits("ko-work", 1, 10);
        moves.shardFails(
                "ko-work",
                2,
                0,
                ExitCodes.MODEL_UNREACHABLE,
                ShardSummary.Outcome.modelUnreachable,
                ShardReason.MODEL_UNREACHABLE.code());
        Thread.sleep(5); // the kill ends after the outage's exit
        moves.terminatedPod(moves.job("ko-work"), 2, 1, false, 137, "OOMKilled", null, false);
        moves.workerStatus("ko-work", "0-1", "2", 0);
        moves.finish("ko-work", "Failed", "FailedIndexes");

        assertEquals(JobPhase.Running, reconcileAfterTheGrace("ko").getPhase());
        tallySays(tally("ko"), "ko", receipts(3, "0-2"));
        RewriteJobStatus done = reconcile("ko");
        assertEquals(JobPhase.Succeeded, done.getPhase(), "" + done.getConditions());
        assertEquals(3, done.getShards().getSucceeded());
    }

    private void start(String name, Integer maxFailedShards) throws Exception {
        ValidatingApiServer.installForCustomResources(server, List.of());
        new FreshReconciles(client, clock).install("m");
        moves = new JobControllerMoves(client, NS);
        RewriteJob job = TestJobs.job(name, "s3://corpus/in", "s3://corpus/out-" + name);
        job.getSpec().getModelRef().setName("m");
        RewriteJobSpec.Retry retry = new RewriteJobSpec.Retry();
        retry.setAttemptsPerShard(1);
        retry.setMaxFailedShards(maxFailedShards);
        job.getSpec().setRetry(retry);
        client.resource(job).create();
        reconcile(name);
        moves.plannerSucceeds(name + "-plan", 3);
        reconcile(name);
        assertEquals(1, jobs(name, "work").size());
    }

    /** Shard {@code shard}'s worker committed it, then was killed before its summary: exit 137, no message. */
    private void killedAfterItsCommit(String workerJob, int shard) {
        moves.terminatedPod(moves.job(workerJob), shard, 0, false, 137, "OOMKilled", null, false);
    }

    private static Tally receipts(long count, String shards) {
        Tally sums = new Tally();
        sums.setReceipts(count);
        sums.setRead(11 * count);
        sums.setWritten(10 * count);
        sums.setRejected(count);
        sums.setPromptTokens(100 * count);
        sums.setCompletionTokens(90 * count);
        sums.setReceiptShards(shards);
        return sums;
    }

    private RewriteJobStatus reconcileAfterTheGrace(String name) {
        clock.advance(Duration.ofMinutes(1));
        reconcile(name);
        return reconcile(name);
    }

    private Job tally(String name) {
        List<Job> tallies = jobs(name, "tally");
        assertEquals(1, tallies.size(), "the tally runs before the job's outcome is decided");
        return tallies.get(0);
    }

    private void tallySays(Job tally, String name, Tally sums) {
        moves.terminatedPod(tally, null, 0, true, 0, "Completed", JobControllerMoves.json(sums), false);
        moves.finish(name + "-tally", "Complete", null);
    }

    private RewriteJobStatus reconcile(String name) {
        SnapshotContext context = new SnapshotContext(client, NS, name);
        FreshReconcile.reconciler(clock, TestSettings.config("ghcr.io/palimpsest/worker:test"), (job, next, c) -> {
                    job.setStatus(next);
                    client.resource(job).updateStatus();
                })
                .reconcile(context.primary(), context);
        return client.resources(RewriteJob.class)
                .inNamespace(NS)
                .withName(name)
                .get()
                .getStatus();
    }

    private List<Job> jobs(String name, String role) {
        return client.batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withLabel(RewriteJobNames.ROLE_LABEL, role)
                .withLabel(RewriteJobNames.JOB_LABEL, name)
                .list()
                .getItems();
    }
}
