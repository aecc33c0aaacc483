package io.palimpsest.operator.job;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.common.SecretRef;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.api.worker.ShardReason;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.operator.cluster.FaultyApiServer;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.job.resources.WorkerJobLimits;
import io.palimpsest.operator.status.ConditionAggregator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The operator against the mock API server, with this test playing the Job controller and the
 * kubelet: planning, running, partial failure, a poison shard, suspend/resume, completion,
 * deletion.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.CustomResources.class)
class RewriteJobLifecycleTest {
    static final String NS = "test";

    @Inject
    KubernetesClient client;

    @KubernetesTestServer
    KubernetesServer server;

    JobControllerMoves moves;

    @Test
    void aJobWalksFromPlanningToSucceededWithExactTotals() {
        moves = new JobControllerMoves(client, NS);
        model("lc-model");
        RewriteJob job = client.resource(rewriteJob("lc", "lc-model", 4)).create();

        // Planning: the resolved config and the planner Job.
        await().atMost(Duration.ofSeconds(20)).until(() -> phase("lc") == JobPhase.Planning);
        ConfigMap cm = client.configMaps().inNamespace(NS).withName("lc-job").get();
        String yaml = cm.getData().get(ResolvedJob.CONFIG_KEY);
        assertTrue(yaml.contains("endpoint: http://lc-model-vllm.test.svc:8000"), yaml);
        assertTrue(yaml.contains("recipeHash: sha256:"), yaml);
        // the planner records both in the output's recipe.json: a job of another namespace is another campaign
        assertTrue(yaml.matches("(?s)(.*\n)?namespace: test\n.*"), yaml);
        assertTrue(yaml.matches("(?s)(.*\n)?name: lc\n.*"), yaml);
        assertFalse(yaml.contains("parallelism"), "operator-only fields stay out of job.yaml");
        Job planner = moves.job("lc-plan");
        // 4 workers (explicit) on 2 replicas that keep 2 x 256 / 32 = 16 busy: shards are cut for 4
        assertEquals(
                List.of("plan", "--job", "/etc/palimpsest/job.yaml", "--fleet-workers", "4"),
                planner.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs());
        assertOwnedBy(job, planner);
        assertOwnedBy(job, cm);

        // Running: the Indexed Job.
        moves.plannerSucceeds("lc-plan", 10);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> moves.job("lc-work") != null && phase("lc") == JobPhase.Running);
        // No finalizer of the operator's: uninstalled, it holds back neither the job's deletion nor its namespace's.
        assertEquals(
                List.of(),
                client.resources(RewriteJob.class)
                        .inNamespace(NS)
                        .withName("lc")
                        .get()
                        .getMetadata()
                        .getFinalizers());
        Job worker = moves.job("lc-work");
        JobSpec spec = worker.getSpec();
        assertEquals("Indexed", spec.getCompletionMode());
        assertEquals(10, spec.getCompletions());
        assertEquals(4, spec.getParallelism());
        assertEquals(2 + 4, spec.getBackoffLimitPerIndex(), "attemptsPerShard - 1 + modelUnreachableRetries");
        assertEquals(2, spec.getMaxFailedIndexes());
        assertEquals("Failed", spec.getPodReplacementPolicy());
        assertEquals(5, spec.getPodFailurePolicy().getRules().size());
        assertEquals("Ignore", spec.getPodFailurePolicy().getRules().get(0).getAction());
        // a worker stopped by SIGTERM (exit 143) is no failure of its shard, whoever deleted its pod
        assertEquals("Ignore", spec.getPodFailurePolicy().getRules().get(1).getAction());
        assertEquals(
                List.of(ExitCodes.TERMINATED),
                spec.getPodFailurePolicy().getRules().get(1).getOnExitCodes().getValues());
        assertEquals("FailIndex", spec.getPodFailurePolicy().getRules().get(2).getAction());
        assertEquals(
                List.of(42, 43),
                spec.getPodFailurePolicy().getRules().get(2).getOnExitCodes().getValues());
        assertEquals("FailJob", spec.getPodFailurePolicy().getRules().get(3).getAction());
        assertEquals(
                List.of(ExitCodes.MODEL_CONFIG),
                spec.getPodFailurePolicy().getRules().get(3).getOnExitCodes().getValues());
        var pod = spec.getTemplate().getSpec();
        assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken());
        assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot());
        assertEquals("FallbackToLogsOnError", pod.getContainers().get(0).getTerminationMessagePolicy());
        assertEquals(
                Boolean.FALSE, pod.getContainers().get(0).getSecurityContext().getAllowPrivilegeEscalation());
        assertTrue(pod.getVolumes().stream()
                .anyMatch(v -> v.getSecret() != null
                        && "corpus-creds".equals(v.getSecret().getSecretName())));
        assertEquals(Boolean.FALSE, spec.getSuspend());
        assertEquals("10", moves.job("lc-plan").getMetadata().getAnnotations().get(RewriteJobNames.SHARDS_ANNOTATION));
        assertOwnedBy(job, worker);

        // Partial progress, a poison shard (exit 42), a preemption, and a crash that will be retried.
        for (int i = 0; i < 6; i++) {
            moves.shardCommits("lc-work", i, 100);
        }
        moves.shardFails("lc-work", 7, 0, 42, ShardSummary.Outcome.badData, "BadData");
        moves.shardPreempted("lc-work", 8);
        moves.shardFails("lc-work", 9, 0, 75, ShardSummary.Outcome.modelUnreachable, "ModelUnreachable");
        moves.workerStatus("lc-work", "0-5", "7", 3);
        // the summaries' pods and the worker Job's own count come through two watches, in either order
        RewriteJobStatus running = awaitStatus(
                "lc",
                s -> s.getShards().equals(new RewriteJobStatus.ShardCounts(10, 6, 1, 3, 0))
                        && s.getDocuments().getWritten() == 600);
        assertEquals(new RewriteJobStatus.ShardCounts(10, 6, 1, 3, 0), running.getShards());
        assertEquals("6/10", running.getProgress());
        assertEquals("0-5", running.getCompletedShards());
        assertEquals("7", running.getFailedShards());
        assertEquals(5400, running.getTokens().getCompletion());
        assertEquals(
                List.of(7, 9),
                running.getRecentFailures().stream()
                        .map(RewriteJobStatus.ShardFailure::getShard)
                        .sorted()
                        .toList());
        assertTrue(ConditionAggregator.isTrue(running.getConditions(), Conditions.DEGRADED));
        assertTrue(ConditionAggregator.isTrue(running.getConditions(), Conditions.RECONCILING));

        // Suspend, then resume.
        JobControllerMoves.retryOnConflict(() -> client.resources(RewriteJob.class)
                .inNamespace(NS)
                .withName("lc")
                .edit(j -> {
                    j.getSpec().setSuspend(true);
                    return j;
                }));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> Boolean.TRUE.equals(moves.job("lc-work").getSpec().getSuspend())
                        && phase("lc") == JobPhase.Suspended);
        JobControllerMoves.retryOnConflict(() -> client.resources(RewriteJob.class)
                .inNamespace(NS)
                .withName("lc")
                .edit(j -> {
                    j.getSpec().setSuspend(false);
                    j.getSpec().getWorkers().setParallelism(new IntOrString(2));
                    return j;
                }));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> Boolean.FALSE.equals(moves.job("lc-work").getSpec().getSuspend())
                        && moves.job("lc-work").getSpec().getParallelism() == 2
                        && phase("lc") == JobPhase.Running);

        // The rest commits; shard 7 stays failed: the Job ends with FailedIndexes, within maxFailedShards.
        moves.shardCommits("lc-work", 6, 100);
        moves.shardCommits("lc-work", 8, 100);
        moves.shardCommits("lc-work", 9, 100);
        moves.shardCommits("lc-work", 9, 100); // a second report of the same shard counts once
        moves.workerStatus("lc-work", "0-6,8-9", "7", 0);
        moves.finish("lc-work", "Failed", "FailedIndexes");
        RewriteJobStatus done = awaitStatus("lc", s -> s.getPhase() == JobPhase.Succeeded);
        assertEquals(900, done.getDocuments().getWritten());
        assertEquals("9/10", done.getProgress());
        assertTrue(ConditionAggregator.isTrue(done.getConditions(), Conditions.COMPLETE));
        assertTrue(ConditionAggregator.isTrue(done.getConditions(), Conditions.DEGRADED));
        assertFalse(ConditionAggregator.isTrue(done.getConditions(), Conditions.RECONCILING));
        assertNotNull(done.getCompletionTime());
        assertNull(moves.job("lc-tally"), "every summary was seen: no tally");
        assertTrue(client.v1().events().inNamespace(NS).list().getItems().stream()
                .anyMatch(e -> "lc".equals(e.getInvolvedObject().getName()) && "ShardsFailed".equals(e.getReason())));

        // Deletion: every owned object carries the owner reference the garbage collector follows,
        // and nothing is recreated afterwards.
        client.resource(job).delete();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> client.resources(RewriteJob.class)
                                .inNamespace(NS)
                                .withName("lc")
                                .get()
                        == null);
        client.batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withLabel(RewriteJobNames.JOB_LABEL, "lc")
                .delete();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> client.batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withLabel(RewriteJobNames.JOB_LABEL, "lc")
                .list()
                .getItems()
                .isEmpty());
    }

    @Test
    void tooManyFailedShardsFailTheJob() {
        moves = new JobControllerMoves(client, NS);
        model("ff-model");
        client.resource(rewriteJob("ff", "ff-model", 2)).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> moves.job("ff-plan") != null);
        moves.plannerSucceeds("ff-plan", 5);
        await().atMost(Duration.ofSeconds(20)).until(() -> moves.job("ff-work") != null);
        for (int i = 0; i < 3; i++) {
            moves.shardFails("ff-work", i, 0, 42, ShardSummary.Outcome.badData, "BadData");
        }
        moves.workerStatus("ff-work", "", "0-2", 0);
        moves.finish("ff-work", "Failed", "MaxFailedIndexesExceeded");
        RewriteJobStatus failed = awaitStatus("ff", s -> s.getPhase() == JobPhase.Failed);
        assertTrue(ConditionAggregator.isTrue(failed.getConditions(), Conditions.FAILED));
        assertTrue(ConditionAggregator.isTrue(failed.getConditions(), Conditions.STALLED));
        assertEquals(
                "TooManyFailedShards",
                ConditionAggregator.find(failed.getConditions(), Conditions.FAILED)
                        .getReason());
    }

    /**
     * A model down for longer than every shard's attempts (each ends at the outage gate, exit 75) under a
     * retry.maxFailedShards at the shard count: the Job controller ends the worker Job FailedIndexes, within its
     * limit, with nothing committed. The job fails naming the outage, with a Warning Event, and never says
     * Succeeded over an empty output (which a later stage would take as a finished campaign).
     */
    @Test
    void aModelDownPastEveryAttemptFailsTheJobNamingTheOutageNotSucceeded() {
        moves = new JobControllerMoves(client, NS);
        model("od-model");
        RewriteJob job = rewriteJob("od", "od-model", 2);
        job.getSpec().getRetry().setMaxFailedShards(2);
        client.resource(job).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> moves.job("od-plan") != null);
        moves.plannerSucceeds("od-plan", 2);
        await().atMost(Duration.ofSeconds(20)).until(() -> moves.job("od-work") != null);
        assertEquals(2, moves.job("od-work").getSpec().getMaxFailedIndexes());
        for (int shard = 0; shard < 2; shard++) {
            moves.shardFails(
                    "od-work",
                    shard,
                    0,
                    ExitCodes.MODEL_UNREACHABLE,
                    ShardSummary.Outcome.modelUnreachable,
                    ShardReason.MODEL_UNREACHABLE.code());
        }
        // the Job controller fails the indexes once it has seen their pods fail; the operator sees both through two
        // watches, in either order, and a failed index whose pod it has not seen yet would wait for the tally
        awaitStatus(
                "od",
                s -> s.getRecentFailures() != null && s.getRecentFailures().size() == 2);
        moves.workerStatus("od-work", "", "0-1", 0);
        moves.finish("od-work", "Failed", "FailedIndexes");
        RewriteJobStatus failed = awaitStatus("od", s -> s.getPhase().isTerminal());
        assertEquals(JobPhase.Failed, failed.getPhase(), "nothing committed is no success: " + failed.getConditions());
        var condition = ConditionAggregator.find(failed.getConditions(), Conditions.FAILED);
        assertEquals("TooManyFailedShards", condition.getReason());
        assertTrue(
                condition.getMessage().startsWith("every shard failed for good (2 of 2), none committed"),
                condition.getMessage());
        assertTrue(condition.getMessage().contains("ModelUnreachable"), condition.getMessage());
        assertEquals("0/2", failed.getProgress());
        assertNull(moves.job("od-tally"), "no tally of a failed job");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> client.v1().events().inNamespace(NS).list().getItems().stream()
                        .anyMatch(e -> "od".equals(e.getInvolvedObject().getName())
                                && "Warning".equals(e.getType())
                                && "TooManyFailedShards".equals(e.getReason())
                                && e.getMessage().contains("none committed")));
    }

    /**
     * An outage after a shard committed: the other shard fails for good with exit 75. With retry.maxFailedShards
     * unset (no limit) the Job controller ends the worker Job FailedIndexes, which said Succeeded/ShardsFailed
     * where local exits 75; the job fails ModelUnreachable, saying what committed and how to resume.
     */
    @Test
    void anOutageAfterAShardCommittedFailsTheJobModelUnreachableNotShardsFailed() {
        oneShardCommittedTheOtherFailedForGoodBy(
                "oc",
                ExitCodes.MODEL_UNREACHABLE,
                ShardSummary.Outcome.modelUnreachable,
                ShardReason.MODEL_UNREACHABLE);
        moves.workerStatus("oc-work", "0", "1", 0);
        moves.finish("oc-work", "Failed", "FailedIndexes");
        assertFailedByTheOutage(
                "oc",
                "ModelUnreachable",
                "the model",
                "delete this RewriteJob and apply it again: the 1 committed shard is kept");
    }

    /**
     * The object store's outage after a shard committed, as the model's above: the other shard fails for good with
     * exit 75 (outcome storeUnreachable), the Job controller ends the worker Job FailedIndexes, and the job fails
     * StoreUnreachable naming the object store, not Succeeded/ShardsFailed.
     */
    @Test
    void aStoreOutageAfterAShardCommittedFailsTheJobStoreUnreachableNotShardsFailed() {
        oneShardCommittedTheOtherFailedForGoodBy(
                "sc",
                ExitCodes.STORE_UNREACHABLE,
                ShardSummary.Outcome.storeUnreachable,
                ShardReason.STORE_UNREACHABLE);
        moves.workerStatus("sc-work", "0", "1", 0);
        moves.finish("sc-work", "Failed", "FailedIndexes");
        assertFailedByTheOutage(
                "sc",
                "StoreUnreachable",
                "the object store",
                "Once the object store answers, delete this RewriteJob and apply it again: the 1 committed shard is kept");
    }

    /**
     * The pod of the shard the model's outage failed for good is gone before the worker Job's end is seen (the pod
     * garbage collector, a Job's TTL, pods deleted while the operator was down): the status kept the shard in
     * outageShards, so the job still fails ModelUnreachable, where reading the pods alone said Succeeded/ShardsFailed.
     * Nothing says the shard's last attempt did not commit, so the tally looks at the receipts first.
     */
    @Test
    void anOutageWhosePodIsGoneWhenTheWorkerJobEndsStillFailsTheJobModelUnreachable() {
        oneShardCommittedTheOtherFailedForGoodBy(
                "og",
                ExitCodes.MODEL_UNREACHABLE,
                ShardSummary.Outcome.modelUnreachable,
                ShardReason.MODEL_UNREACHABLE);
        // shard 1 failed for good, shard 0 runs on
        moves.workerStatus("og-work", "0", "1", 1);
        RewriteJobStatus recorded = awaitStatus(
                "og", s -> s.getOutageShards() != null && s.getOutageShards().containsKey("ModelUnreachable"));
        assertEquals(Map.of("ModelUnreachable", "1"), recorded.getOutageShards());
        client.pods()
                .inNamespace(NS)
                .withLabel("batch.kubernetes.io/job-name", "og-work")
                .list()
                .getItems()
                .forEach(p -> client.pods()
                        .inNamespace(NS)
                        .withName(p.getMetadata().getName())
                        .delete());
        await().atMost(Duration.ofSeconds(10)).until(() -> client.pods()
                .inNamespace(NS)
                .withLabel("batch.kubernetes.io/job-name", "og-work")
                .list()
                .getItems()
                .isEmpty());
        // the operator's pod informer sees the deletions before the Job's end
        await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
        moves.workerStatus("og-work", "0", "1", 0);
        moves.finish("og-work", "Failed", "FailedIndexes");
        // its pods gone, nothing says the shard's last attempt did not commit (a worker killed after its commit says
        // nothing either): the tally reads the receipts before the outcome is decided, and finds none for shard 1
        await().atMost(Duration.ofSeconds(60)).until(() -> moves.job("og-tally") != null);
        assertEquals(JobPhase.Running, phase("og"), "no outcome before the receipts");
        Tally onlyShard0 = new Tally();
        onlyShard0.setReceipts(1);
        onlyShard0.setRead(101);
        onlyShard0.setWritten(100);
        onlyShard0.setRejected(1);
        onlyShard0.setReceiptShards("0");
        moves.terminatedPod(
                moves.job("og-tally"), null, 0, true, 0, "Completed", JobControllerMoves.json(onlyShard0), false);
        moves.finish("og-tally", "Complete", null);
        assertFailedByTheOutage("og", "ModelUnreachable", "the model", null, true);
    }

    /** Job {@code name} planned in two shards: shard 0 commits, shard 1 fails for good by an outage's exit. */
    private void oneShardCommittedTheOtherFailedForGoodBy(
            String name, int exit, ShardSummary.Outcome outcome, ShardReason reason) {
        moves = new JobControllerMoves(client, NS);
        model(name + "-model");
        client.resource(rewriteJob(name, name + "-model", 2)).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> moves.job(name + "-plan") != null);
        moves.plannerSucceeds(name + "-plan", 2);
        await().atMost(Duration.ofSeconds(20)).until(() -> moves.job(name + "-work") != null);
        moves.shardCommits(name + "-work", 0, 100);
        moves.shardFails(name + "-work", 1, 0, exit, outcome, reason.code());
    }

    /**
     * Job {@code name}, whose worker Job ended FailedIndexes with shard 1 failed for good by an outage, fails with the
     * outage's reason, naming what could not be reached and what committed, and the way to resume when given.
     */
    private void assertFailedByTheOutage(String name, String reason, String what, String resume) {
        assertFailedByTheOutage(name, reason, what, resume, false);
    }

    /** ... and a tally ran first when {@code tallied} (a failed shard's pods were gone: it might have committed). */
    private void assertFailedByTheOutage(String name, String reason, String what, String resume, boolean tallied) {
        RewriteJobStatus failed = awaitStatus(name, s -> s.getPhase().isTerminal());
        var condition = ConditionAggregator.find(failed.getConditions(), Conditions.FAILED);
        assertEquals(JobPhase.Failed, failed.getPhase(), "an outage is not tolerated: " + failed.getConditions());
        assertEquals(reason, condition.getReason());
        assertTrue(
                condition
                        .getMessage()
                        .startsWith(what + " could not be reached past every attempt of 1 shard (1 of 2 failed for"
                                + " good, 1 of 2 committed)"),
                condition.getMessage());
        if (resume != null) {
            assertTrue(condition.getMessage().contains(resume), condition.getMessage());
        }
        assertEquals("1/2", failed.getProgress());
        if (!tallied) {
            assertNull(moves.job(name + "-tally"), "no tally of a failed job");
        }
    }

    /** The API server refuses maxFailedIndexes above completions: a maxFailedShards above the planned count is cut to it. */
    @Test
    void maxFailedShardsAboveTheShardCountIsCutToIt() {
        moves = new JobControllerMoves(client, NS);
        model("mf-model");
        RewriteJob job = rewriteJob("mf", "mf-model", 2);
        job.getSpec().getRetry().setMaxFailedShards(10);
        client.resource(job).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> moves.job("mf-plan") != null);
        moves.plannerSucceeds("mf-plan", 4);
        await().atMost(Duration.ofSeconds(20)).until(() -> moves.job("mf-work") != null);
        JobSpec spec = moves.job("mf-work").getSpec();
        assertEquals(4, spec.getCompletions());
        assertEquals(4, spec.getMaxFailedIndexes());
        assertEquals(List.of(), WorkerJobLimits.check(spec));
    }

    /**
     * A planner Job seen Complete before its pod's end is waited for: planned again at once, the job would lose the
     * plan a moment before its count arrives (and, on a large corpus, plan for as long again).
     */
    @Test
    void aPlannerWhoseJobEndsBeforeItsPodIsSeenIsNotPlannedAgain() throws InterruptedException {
        moves = new JobControllerMoves(client, NS);
        model("lag-model");
        client.resource(rewriteJob("lag", "lag-model", 2)).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> moves.job("lag-plan") != null);
        String planner = moves.job("lag-plan").getMetadata().getUid();
        moves.plannerSucceedsBeforeItsPodIsSeen("lag-plan", 3, Duration.ofSeconds(3));
        await().atMost(Duration.ofSeconds(20)).until(() -> moves.job("lag-work") != null);
        assertEquals(planner, moves.job("lag-plan").getMetadata().getUid(), "the planner Job was made again");
        assertEquals(3, moves.job("lag-work").getSpec().getCompletions());
    }

    /** Kueue admits a Job by unsuspending it: the operator creates it suspended and leaves resuming to Kueue. */
    @Test
    void aQueuedJobIsCreatedSuspendedWithItsQueueLabel() {
        moves = new JobControllerMoves(client, NS);
        model("kq-model");
        RewriteJob queued = rewriteJob("kq", "kq-model", 3);
        queued.getSpec().setQueueName("research");
        client.resource(queued).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> moves.job("kq-plan") != null);
        moves.plannerSucceeds("kq-plan", 4);
        await().atMost(Duration.ofSeconds(20)).until(() -> moves.job("kq-work") != null);
        Job worker = moves.job("kq-work");
        assertEquals("research", worker.getMetadata().getLabels().get(RewriteJobNames.KUEUE_QUEUE_LABEL));
        assertEquals(Boolean.TRUE, worker.getSpec().getSuspend());

        // Kueue admits it; the operator does not suspend it again.
        JobControllerMoves.retryOnConflict(() -> client.batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withName("kq-work")
                .edit(j -> {
                    j.getSpec().setSuspend(false);
                    return j;
                }));
        moves.workerStatus("kq-work", "0", "", 3);
        awaitStatus("kq", s -> s.getShards().getSucceeded() == 1);
        assertEquals(Boolean.FALSE, moves.job("kq-work").getSpec().getSuspend());
        assertEquals(JobPhase.Running, phase("kq"));
    }

    @Test
    void anInvalidSpecFailsWithTheFieldNamedAndNothingIsCreated() {
        moves = new JobControllerMoves(client, NS);
        model("iv-model");
        RewriteJob bad = rewriteJob("iv", "iv-model", 2);
        bad.getSpec().getOutput().setUri("s3://corpus/in/rewritten");
        client.resource(bad).create();
        RewriteJobStatus s = awaitStatus("iv", st -> st.getPhase() == JobPhase.Failed);
        var failed = ConditionAggregator.find(s.getConditions(), Conditions.FAILED);
        assertEquals("InvalidSpec", failed.getReason());
        assertTrue(failed.getMessage().startsWith("spec.output.uri: is inside spec.input.uri"), failed.getMessage());
        assertNull(moves.job("iv-plan"));
    }

    @Test
    void aMissingModelWaitsAndAPlanningFailureIsReported() {
        moves = new JobControllerMoves(client, NS);
        client.resource(rewriteJob("pf", "pf-model", 2)).create();
        RewriteJobStatus waiting = awaitStatus("pf", s -> s.getPhase() == JobPhase.Pending);
        assertEquals(
                "ModelNotFound",
                ConditionAggregator.find(waiting.getConditions(), Conditions.READY)
                        .getReason());
        model("pf-model");
        await().atMost(Duration.ofSeconds(20)).until(() -> moves.job("pf-plan") != null);
        moves.plannerFails("pf-plan", "s3://corpus/in: access denied");
        RewriteJobStatus failed = awaitStatus("pf", s -> s.getPhase() == JobPhase.Failed);
        assertTrue(ConditionAggregator.find(failed.getConditions(), Conditions.FAILED)
                .getMessage()
                .contains("access denied"));
    }

    /**
     * A planner refusal naming several files (input it cannot decode, say) reaches the PlanningFailed condition
     * whole, not cut as a shard's failure is.
     */
    @Test
    void aPlannerRefusalNamingSeveralFilesReachesTheConditionWhole() {
        moves = new JobControllerMoves(client, NS);
        model("pc-model");
        client.resource(rewriteJob("pc", "pc-model", 2)).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> moves.job("pc-plan") != null);
        String refusal = "5 input file(s) cannot be decoded as their format says:"
                + " s3://corpus/web/2026/crawl-a/part-00017.jsonl.gz (read as gzip-compressed JSON Lines: not gzip:"
                + " bad magic bytes, where a gzip file starts with 1f 8b),"
                + " s3://corpus/web/2026/crawl-a/part-00018.jsonl.zst (read as zstd-compressed JSON Lines: zstd frame"
                + " truncated at byte 4632: the file ends inside it),"
                + " s3://corpus/web/2026/crawl-b/part-00001.parquet (read as Parquet: parquet footer unreadable, so not"
                + " a Parquet file or one cut short: part-00001.parquet is not a Parquet file), and 2 more; every shard"
                + " holding one would fail as bad data once its worker started, so the job is not run: repair or"
                + " replace the file(s), or leave them out (spec.input.exclude)";
        moves.plannerRefusesJob("pc-plan", refusal);
        RewriteJobStatus failed = awaitStatus("pc", s -> s.getPhase() == JobPhase.Failed);
        var condition = ConditionAggregator.find(failed.getConditions(), Conditions.FAILED);
        assertEquals("PlanningFailed", condition.getReason());
        assertEquals("the planner Job failed: Error (exit 78): " + refusal, condition.getMessage());
        assertNull(moves.job("pc-work"), "no worker Job");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> warned("pc", "PlanningFailed", "leave them out (spec.input.exclude)"));
    }

    /**
     * A worker finds the model refusing every request (here an unknown served name, HTTP 404) and exits 78; the
     * Job controller fails the worker Job at once (FailJob). The job fails ModelConfig with the worker's words, which
     * name what to fix, in the Failed condition and one Warning Event; no tally runs over what nothing committed.
     */
    @Test
    void aWorkerRefusedByTheModelFailsTheJobWithItsWordsAndAWarning() {
        moves = new JobControllerMoves(client, NS);
        model("mr-model");
        client.resource(rewriteJob("mr", "mr-model", 2)).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> moves.job("mr-plan") != null);
        moves.plannerSucceeds("mr-plan", 3);
        await().atMost(Duration.ofSeconds(20)).until(() -> moves.job("mr-work") != null);
        String refusal = "model_config: the model server refused the job's requests: POST"
                + " http://mr-model-vllm.test.svc:8000/v1/chat/completions answered HTTP 404 {\"error\":{\"message\":"
                + "\"The model `qwen-smal` does not exist.\"}} (check the RewriterModel's servedModelName and endpoint URL"
                + " (base URL without /v1))";
        ShardSummary refused = JobControllerMoves.summary(1, ShardSummary.Outcome.modelConfig, 0);
        refused.setReason(ShardReason.MODEL_CONFIG.code());
        refused.setMessage(refusal);
        moves.terminatedPod(
                moves.job("mr-work"),
                1,
                0,
                false,
                ExitCodes.MODEL_CONFIG,
                "Error",
                JobControllerMoves.json(refused),
                false);
        moves.workerStatus("mr-work", "", "", 0);
        moves.finish("mr-work", "Failed", "PodFailurePolicy");
        RewriteJobStatus failed = awaitStatus("mr", s -> s.getPhase() == JobPhase.Failed);
        var condition = ConditionAggregator.find(failed.getConditions(), Conditions.FAILED);
        assertEquals("ModelConfig", condition.getReason());
        assertEquals(refusal, condition.getMessage());
        assertEquals(0, failed.getDocuments().getWritten());
        assertNull(moves.job("mr-tally"), "no tally");
        await().atMost(Duration.ofSeconds(10)).until(() -> warned("mr", "ModelConfig", "servedModelName"));
    }

    /** A Warning Event about the job with that reason whose message holds {@code words}. */
    private boolean warned(String job, String reason, String words) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .anyMatch(e -> job.equals(e.getInvolvedObject().getName())
                        && "Warning".equals(e.getType())
                        && reason.equals(e.getReason())
                        && e.getMessage() != null
                        && e.getMessage().contains(words));
    }

    /**
     * The model deleted while the job runs: the job reports it (Running, Ready false with reason
     * ModelNotFound) and its worker Job is held at parallelism 0, so no worker spends a shard's
     * retries failing to reach it; the model back, the workers are too.
     */
    @Test
    void aDeletedModelHoldsTheWorkersUntilItIsBack() {
        moves = new JobControllerMoves(client, NS);
        model("md-model");
        client.resource(rewriteJob("md", "md-model", 3)).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> moves.job("md-plan") != null);
        moves.plannerSucceeds("md-plan", 6);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> moves.job("md-work") != null
                        && Integer.valueOf(3)
                                .equals(moves.job("md-work").getSpec().getParallelism()));
        moves.shardCommits("md-work", 0, 5);

        client.resources(RewriterModel.class)
                .inNamespace(NS)
                .withName("md-model")
                .delete();
        await().atMost(Duration.ofSeconds(20)).until(() -> Integer.valueOf(0)
                .equals(moves.job("md-work").getSpec().getParallelism()));
        RewriteJobStatus waiting = awaitStatus("md", s -> ConditionAggregator.find(s.getConditions(), Conditions.READY)
                .getReason()
                .equals("ModelNotFound"));
        assertEquals(JobPhase.Running, waiting.getPhase());
        assertEquals(
                "False",
                ConditionAggregator.find(waiting.getConditions(), Conditions.READY)
                        .getStatus());

        model("md-model");
        await().atMost(Duration.ofSeconds(20)).until(() -> Integer.valueOf(3)
                .equals(moves.job("md-work").getSpec().getParallelism()));
        awaitStatus("md", s -> ConditionAggregator.find(s.getConditions(), Conditions.READY)
                .getReason()
                .equals("Running"));
        client.resources(RewriteJob.class).inNamespace(NS).withName("md").delete();
        client.resources(RewriterModel.class)
                .inNamespace(NS)
                .withName("md-model")
                .delete();
    }

    // --- helpers

    JobPhase phase(String name) {
        RewriteJob j = client.resources(RewriteJob.class)
                .inNamespace(NS)
                .withName(name)
                .get();
        return j == null || j.getStatus() == null ? null : j.getStatus().getPhase();
    }

    RewriteJobStatus awaitStatus(String name, Predicate<RewriteJobStatus> until) {
        RewriteJobStatus[] last = new RewriteJobStatus[1];
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            RewriteJob j = client.resources(RewriteJob.class)
                    .inNamespace(NS)
                    .withName(name)
                    .get();
            last[0] = j == null ? null : j.getStatus();
            return last[0] != null
                    && last[0].getShards() != null | last[0] != null
                    && last[0].getPhase() != null
                    && safe(until, last[0]);
        });
        return last[0];
    }

    static boolean safe(Predicate<RewriteJobStatus> p, RewriteJobStatus s) {
        try {
            return p.test(s);
        } catch (NullPointerException e) {
            return false;
        }
    }

    static void assertOwnedBy(RewriteJob owner, HasMetadata owned) {
        var refs = owned.getMetadata().getOwnerReferences();
        assertEquals(1, refs.size());
        assertEquals(owner.getMetadata().getUid(), refs.get(0).getUid());
        assertEquals(Boolean.TRUE, refs.get(0).getController());
    }

    /**
     * A status the installed CRD's schema refuses (422, e.g. an operator upgraded without its CRDs) is the
     * same refusal however often it is sent: the reconcile tells it by one Warning Event with the server's
     * message, at once, and does not throw it into the framework's retry (nor wait for a new resourceVersion
     * that a refused write never makes).
     */
    @Test
    void aStatusTheCrdSchemaRefusesIsToldOnceAtOnceAndNotRetried() {
        String invalid =
                "RewriteJob.palimpsest.io \"inv\" is invalid: status.progress: Too long: may not be longer than 64";
        model("inv-model");
        try (FaultyApiServer api = FaultyApiServer.install(server.getKubernetesMockServer())) {
            AtomicInteger refused = api.inject(
                    r -> "inv".equals(r.name())
                            && (r.is("update", "rewritejobs/status") || r.is("patch", "rewritejobs/status")),
                    10_000,
                    FaultyApiServer.status(422, invalid));
            client.resource(rewriteJob("inv", "inv-model", 2)).create();
            await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !refusedEvents("inv").isEmpty());
            List<Event> warnings = refusedEvents("inv");
            assertEquals(1, warnings.size(), warnings.toString());
            assertEquals(
                    "the API server refused to update the status of RewriteJob inv: " + invalid,
                    warnings.get(0).getMessage());
            // no retry loop: the writes that follow are the reconciles of new events only, and tell nothing new
            await().pollDelay(Duration.ofSeconds(4))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> true);
            int settled = refused.get();
            await().pollDelay(Duration.ofSeconds(5))
                    .atMost(Duration.ofSeconds(6))
                    .until(() -> true);
            assertEquals(settled, refused.get(), "no write retried while the refusal stands");
            assertEquals(1, refusedEvents("inv").size());
            assertNull(phase("inv"), "nothing written");
        }
    }

    /** A status write that lost a race (409) is written again at once on the resource read anew: no Event. */
    @Test
    void aConflictingStatusWriteIsWrittenAgainOnTheResourceReadAnew() {
        model("cf-model");
        try (FaultyApiServer api = FaultyApiServer.install(server.getKubernetesMockServer())) {
            AtomicInteger conflicts = api.inject(
                    r -> "cf".equals(r.name()) && r.is("update", "rewritejobs/status"), 2, FaultyApiServer.status(409));
            client.resource(rewriteJob("cf", "cf-model", 2)).create();
            // within the reconcile: the framework's retry would come seconds later
            await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> phase("cf") == JobPhase.Planning);
            assertEquals(2, conflicts.get());
            assertEquals(List.of(), refusedEvents("cf"));
        }
    }

    private List<Event> refusedEvents(String job) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> job.equals(e.getInvolvedObject().getName())
                        && JobReason.RejectedByApiServer.name().equals(e.getReason()))
                .toList();
    }

    void model(String name) {
        RewriterModel m = new RewriterModel();
        m.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
        RewriterModelSpec spec = new RewriterModelSpec();
        spec.setModel("mistralai/Mistral-7B-Instruct-v0.3");
        RewriterModelSpec.Replicas replicas = new RewriterModelSpec.Replicas();
        replicas.setMin(0);
        replicas.setMax(2);
        spec.setReplicas(replicas);
        m.setSpec(spec);
        client.resource(m).create();
    }

    static RewriteJob rewriteJob(String name, String model, int parallelism) {
        RewriteJob job = TestJobs.job(name, "s3://corpus/in", "s3://corpus/out-" + name);
        job.getMetadata().setNamespace(NS);
        job.getSpec().getModelRef().setName(model);
        job.getSpec().getInput().setCredentialsSecretRef(new SecretRef("corpus-creds"));
        RewriteJobSpec.Workers workers = new RewriteJobSpec.Workers();
        workers.setParallelism(new IntOrString(parallelism));
        job.getSpec().setWorkers(workers);
        RewriteJobSpec.Retry retry = new RewriteJobSpec.Retry();
        retry.setAttemptsPerShard(3);
        retry.setMaxFailedShards(2);
        job.getSpec().setRetry(retry);
        return job;
    }
}
