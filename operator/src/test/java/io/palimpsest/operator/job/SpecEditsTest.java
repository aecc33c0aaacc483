package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.common.SecretKeyRef;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.ModelPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.api.v1alpha1.RewriterModelStatus;
import io.palimpsest.api.worker.AttemptLedger;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.job.resources.ResolvedJobConfigMap;
import io.palimpsest.operator.job.resources.WorkerPodTemplate;
import io.palimpsest.operator.job.status.SpecApplied;
import io.palimpsest.operator.model.autoscale.Backlog;
import io.palimpsest.operator.model.autoscale.Recommendation;
import io.palimpsest.operator.model.autoscale.ReplicaRecommender;
import io.palimpsest.operator.model.autoscale.ScaleReason;
import io.palimpsest.operator.model.autoscale.ScalingHistory;
import io.palimpsest.operator.model.autoscale.ScalingPolicy;
import io.palimpsest.operator.status.ConditionAggregator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Spec edits while a job runs, each either applied to what runs, refused, or said in the status: none
 * silently ignored. The simulated API server checks the CRD's schema and CEL rules but the modelRef transition
 * rule, as a cluster whose CRD predates that rule.
 */
@EnableKubernetesMockClient(crud = true)
class SpecEditsTest {
    static final String NS = FreshReconciles.NS;
    KubernetesClient client;
    KubernetesMockServer server;
    JobControllerMoves moves;
    FreshReconciles cluster;
    final MutableClock clock = new MutableClock(Instant.now());

    @BeforeEach
    void setUp() throws Exception {
        ValidatingApiServer.installForCustomResources(server, List.of("modelRef is immutable once set"));
        cluster = new FreshReconciles(client, clock);
        cluster.install("m");
        moves = new JobControllerMoves(client, NS);
    }

    /** The job planned and its worker Job made, at {@code shards} shards. */
    void running(String name, int shards) {
        client.resource(FreshReconciles.job(name, "m")).create();
        cluster.reconcile(name);
        moves.plannerSucceeds(name + "-plan", shards);
        cluster.reconcile(name);
        cluster.reconcile(name); // sees the worker Job it made
        assertEquals(JobPhase.Running, cluster.status(name).getPhase());
    }

    /**
     * The CRD refuses a new modelRef (a transition rule); where the cluster's CRD predates that rule, the operator
     * refuses it too: the job fails InvalidSpec naming the model its workers run on, the workers keep their
     * job.yaml (no worker started afterwards calls the other model), and the edit undone, the job goes on.
     */
    @Test
    void anotherModelMidRunIsRefusedAndTheWorkersKeepTheirs() {
        cluster.model("m2");
        running("mr", 4);
        moves.shardCommits("mr-work", 0, 10);
        moves.workerStatus("mr-work", "0", "", 3);
        String jobYaml = jobYaml("mr");
        assertTrue(jobYaml.contains("endpoint: http://m-vllm.test.svc:8000"), jobYaml);

        cluster.edit("mr", spec -> spec.getModelRef().setName("m2"));
        cluster.reconcile("mr");
        RewriteJobStatus refused = cluster.status("mr");
        assertEquals(JobPhase.Failed, refused.getPhase());
        var failed = ConditionAggregator.find(refused.getConditions(), Conditions.FAILED);
        assertEquals("InvalidSpec", failed.getReason());
        assertEquals(
                "spec.modelRef: modelRef is immutable once set; create a new RewriteJob (this job's workers run on"
                        + " RewriterModel \"m\": set spec.modelRef.name back to \"m\" to go on)",
                failed.getMessage());
        assertEquals(jobYaml, jobYaml("mr"), "the workers' job.yaml still names the first model");
        assertEquals(1, refused.getShards().getSucceeded(), "the committed shard is still counted");

        cluster.edit("mr", spec -> spec.getModelRef().setName("m"));
        cluster.reconcile("mr");
        RewriteJobStatus resumed = cluster.status("mr");
        assertEquals(JobPhase.Running, resumed.getPhase());
        assertNull(resumed.getCompletionTime());
        assertEquals(1, resumed.getShards().getSucceeded());
        assertEquals(jobYaml, jobYaml("mr"));
    }

    /** retry.maxFailedShards reaches the worker Job: maxFailedIndexes may change on a Job, unlike backoffLimitPerIndex. */
    @Test
    void maxFailedShardsFollowsIntoTheWorkerJob() {
        running("mf", 6);
        assertEquals(1, moves.job("mf-work").getSpec().getMaxFailedIndexes());

        cluster.edit("mf", spec -> spec.getRetry().setMaxFailedShards(4));
        cluster.reconcile("mf");
        assertEquals(4, moves.job("mf-work").getSpec().getMaxFailedIndexes());
        cluster.edit("mf", spec -> spec.getRetry().setMaxFailedShards(40)); // cut to the shard count, as at creation
        cluster.reconcile("mf");
        assertEquals(6, moves.job("mf-work").getSpec().getMaxFailedIndexes());
        cluster.edit("mf", spec -> spec.getRetry().setMaxFailedShards(null)); // no limit
        cluster.reconcile("mf");
        assertNull(moves.job("mf-work").getSpec().getMaxFailedIndexes());
        assertEquals(
                "Applied",
                ConditionAggregator.find(cluster.status("mf").getConditions(), SpecApplied.TYPE)
                        .getReason());
    }

    /**
     * Lowering attemptsPerShard mid-run: the job keeps the cap its worker Job was made with (its
     * backoffLimitPerIndex cannot change), so no shard closes at once and no running pod is stopped; the
     * workers' job.yaml keeps it too (their last-attempt rule), and the status says the edit applies to new jobs.
     */
    @Test
    void attemptsPerShardStayWhatTheWorkerJobWasMadeWith() {
        running("ap", 4);
        moves.terminatedPod(moves.job("ap-work"), 0, 0, false, 137, "OOMKilled", null, false);
        moves.terminatedPod(moves.job("ap-work"), 0, 1, false, 137, "OOMKilled", null, false);
        cluster.reconcile("ap");
        assertEquals(2, ledgerOf("ap").of(0).getFailures());
        var third = moves.runningPod("ap-work", 0, 2);
        String jobYaml = jobYaml("ap");
        assertTrue(jobYaml.contains("attemptsPerShard: 3"), jobYaml);

        cluster.edit("ap", spec -> spec.getRetry().setAttemptsPerShard(2));
        cluster.reconcile("ap");
        cluster.reconcile("ap");
        AttemptLedger ledger = ledgerOf("ap");
        assertEquals(2, ledger.of(0).getFailures());
        assertFalse(ledger.of(0).isExhausted(), "2 failures of the 3 the worker Job was made with");
        assertNotNull(
                client.pods()
                        .inNamespace(NS)
                        .withName(third.getMetadata().getName())
                        .get(),
                "the shard's third attempt runs on");
        assertEquals(jobYaml, jobYaml("ap"), "job.yaml keeps 3 attempts");
        var applied = ConditionAggregator.find(cluster.status("ap").getConditions(), SpecApplied.TYPE);
        assertEquals("False", applied.getStatus());
        assertEquals("NotApplied", applied.getReason());
        assertEquals(
                "spec.retry.attemptsPerShard is 2 but the worker Job was created with 3: the job keeps 3 attempts"
                        + " per shard (a Job's backoffLimitPerIndex cannot change); the new value applies to new"
                        + " RewriteJobs only",
                applied.getMessage());
        assertEquals(1, events("ap", "SpecNotApplied"), "one Event per change, not per reconcile");

        // Raised instead: still 3, the Job controller would not give a fourth.
        cluster.edit("ap", spec -> spec.getRetry().setAttemptsPerShard(5));
        moves.terminatedPod(moves.job("ap-work"), 0, 2, false, 137, "OOMKilled", null, false);
        cluster.reconcile("ap");
        assertTrue(ledgerOf("ap").of(0).isExhausted());
        assertEquals(jobYaml, jobYaml("ap"));
        assertEquals(2, events("ap", "SpecNotApplied"));
    }

    /**
     * A worker Job's pod template cannot change: an edit of the workers' resources, scheduling or service account
     * (or the plan's sharding) is named in the SpecApplied condition and a Warning Event, not silently missed.
     */
    @Test
    void editsThatCannotReachTheWorkerJobAreNamed() {
        running("pt", 4);
        Job before = moves.job("pt-work");
        assertEquals(
                "True",
                ConditionAggregator.find(cluster.status("pt").getConditions(), SpecApplied.TYPE)
                        .getStatus());

        cluster.edit("pt", spec -> {
            spec.getWorkers()
                    .setResources(new ResourceRequirementsBuilder()
                            .addToLimits("memory", new Quantity("8Gi"))
                            .build());
            spec.getWorkers().setServiceAccountName("corpus-reader");
            RewriteJobSpec.Sharding sharding = new RewriteJobSpec.Sharding();
            sharding.setFilesPerShard(2);
            spec.setSharding(sharding);
            spec.getWorkers().setParallelism(new IntOrString(2)); // applied
        });
        cluster.reconcile("pt");
        Job after = moves.job("pt-work");
        assertEquals(before.getSpec().getTemplate(), after.getSpec().getTemplate());
        assertEquals(2, after.getSpec().getParallelism());
        var applied = ConditionAggregator.find(cluster.status("pt").getConditions(), SpecApplied.TYPE);
        assertEquals("NotApplied", applied.getReason());
        assertEquals(
                "spec.workers.resources, spec.workers.serviceAccountName changed after the worker Job was created;"
                        + " the new value applies to new RewriteJobs only: a Job's pod template cannot change, so the"
                        + " worker pods keep the values the worker Job was made with (this job's tally and preview"
                        + " Jobs, made later, take the new ones); spec.sharding changed after the plan was made; the"
                        + " plan is kept (committed shards are numbered by it); the new value applies to new"
                        + " RewriteJobs only",
                applied.getMessage());
        assertEquals(1, events("pt", "SpecNotApplied"));

        // Put back: nothing left unapplied.
        cluster.edit("pt", spec -> {
            spec.getWorkers().setResources(null);
            spec.getWorkers().setServiceAccountName(null);
            spec.setSharding(null);
        });
        cluster.reconcile("pt");
        assertEquals(
                "Applied",
                ConditionAggregator.find(cluster.status("pt").getConditions(), SpecApplied.TYPE)
                        .getReason());
    }

    /**
     * spec.queueName added to a running job that went through no queue: its worker Job has no Kueue label, so no
     * Kueue will ever resume it. Suspended and resumed, the operator resumes it itself, as it suspended it.
     */
    @Test
    void aQueueNamedAfterTheWorkerJobWasMadeLeavesItsResumeToTheOperator() {
        running("qa", 4);
        cluster.edit("qa", spec -> spec.setQueueName("team-a"));
        cluster.reconcile("qa");
        assertNull(moves.job("qa-work").getMetadata().getLabels().get(RewriteJobNames.KUEUE_QUEUE_LABEL));

        cluster.edit("qa", spec -> spec.setSuspend(true));
        cluster.reconcile("qa");
        assertTrue(moves.job("qa-work").getSpec().getSuspend());
        cluster.edit("qa", spec -> spec.setSuspend(false));
        cluster.reconcile("qa");
        Job resumed = moves.job("qa-work");
        assertFalse(resumed.getSpec().getSuspend(), "no Kueue resumes a Job without its queue label");
        assertEquals(4, resumed.getSpec().getParallelism());
        assertEquals(JobPhase.Running, cluster.status("qa").getPhase());
    }

    /**
     * spec.queueName removed while the worker Job waits in its queue (suspended, with Kueue's label): Kueue still
     * admits it (the label stays: a Job's labels are the queue's, not the spec's), so the operator does not resume it
     * past the queue's quota.
     */
    @Test
    void aQueueRemovedWhileTheWorkerJobWaitsInItLeavesItsAdmissionToKueue() {
        RewriteJob job = FreshReconciles.job("qr", "m");
        job.getSpec().setQueueName("team-a");
        client.resource(job).create();
        cluster.reconcile("qr");
        moves.plannerSucceeds("qr-plan", 4);
        cluster.reconcile("qr");
        cluster.reconcile("qr");
        Job waiting = moves.job("qr-work");
        assertTrue(waiting.getSpec().getSuspend(), "created suspended: Kueue admits it");
        assertEquals("team-a", waiting.getMetadata().getLabels().get(RewriteJobNames.KUEUE_QUEUE_LABEL));

        cluster.edit("qr", spec -> spec.setQueueName(null));
        cluster.reconcile("qr");
        assertTrue(moves.job("qr-work").getSpec().getSuspend(), "the operator does not admit a Job of a queue");
    }

    /**
     * Kueue admitted the worker Job at its parallelism and would suspend and requeue it were the count changed, so an
     * edit of spec.workers.parallelism leaves an admitted Job at its count: SpecApplied says so, where it said every
     * edit had reached the job. Suspended and resumed, the Job is admitted again at the new count.
     */
    @Test
    void aParallelismEditOfAJobKueueAdmittedIsNamedUntilItIsAdmittedAgain() {
        RewriteJob job = FreshReconciles.job("qp", "m");
        job.getSpec().setQueueName("team-a");
        client.resource(job).create();
        cluster.reconcile("qp");
        moves.plannerSucceeds("qp-plan", 6);
        cluster.reconcile("qp");
        cluster.reconcile("qp");
        admit("qp-work");
        cluster.reconcile("qp");
        assertEquals(
                "Applied",
                ConditionAggregator.find(cluster.status("qp").getConditions(), SpecApplied.TYPE)
                        .getReason());

        cluster.edit("qp", spec -> spec.getWorkers().setParallelism(new IntOrString(2)));
        cluster.reconcile("qp");
        assertEquals(4, moves.job("qp-work").getSpec().getParallelism(), "Kueue's admitted count is kept");
        var applied = ConditionAggregator.find(cluster.status("qp").getConditions(), SpecApplied.TYPE);
        assertEquals("NotApplied", applied.getReason());
        assertEquals(
                "spec.workers.parallelism is 2 but the worker Job runs 4 workers, the count Kueue admitted it at:"
                        + " Kueue suspends and requeues a running Job whose count changes, so it keeps that count; to"
                        + " run 2, suspend the job (spec.suspend: true) and resume it: Kueue admits it again at the"
                        + " new count",
                applied.getMessage());
        assertEquals(1, events("qp", "SpecNotApplied"));

        cluster.edit("qp", spec -> spec.setSuspend(true));
        cluster.reconcile("qp");
        cluster.edit("qp", spec -> spec.setSuspend(false));
        cluster.reconcile("qp");
        assertEquals(2, moves.job("qp-work").getSpec().getParallelism(), "the next admission's count");
        admit("qp-work");
        cluster.reconcile("qp");
        assertEquals(
                "Applied",
                ConditionAggregator.find(cluster.status("qp").getConditions(), SpecApplied.TYPE)
                        .getReason());
    }

    /**
     * spec.sharding edited while the planner Job exists but before its pod has read job.yaml (an image still pulling,
     * a pod not scheduled yet): the planner cuts the shards by the value its Job was made with, which job.yaml keeps,
     * so the plan is what SpecApplied says it is (kept), where a pod starting after the edit cut them by the new value
     * while the status said the plan had kept the old.
     */
    @Test
    void aShardingEditedBeforeThePlannerReadsItIsNotWhatThePlanCutsBy() {
        client.resource(FreshReconciles.job("sh", "m")).create();
        cluster.reconcile("sh");
        assertNotNull(moves.job("sh-plan"));
        String planned = jobYaml("sh");
        assertFalse(planned.contains("filesPerShard"), planned);

        cluster.edit("sh", spec -> {
            RewriteJobSpec.Sharding sharding = new RewriteJobSpec.Sharding();
            sharding.setFilesPerShard(2);
            spec.setSharding(sharding);
            spec.getWorkers()
                    .setConcurrencyPerWorker(new IntOrString(3)); // what job.yaml carries to workers still follows
        });
        cluster.reconcile("sh");
        String after = jobYaml("sh");
        assertFalse(after.contains("filesPerShard"), "the planner reads the sharding its Job was made with:\n" + after);
        assertTrue(after.contains("concurrencyPerWorker: 3"), after);

        moves.plannerSucceeds("sh-plan", 4);
        cluster.reconcile("sh");
        cluster.reconcile("sh");
        var applied = ConditionAggregator.find(cluster.status("sh").getConditions(), SpecApplied.TYPE);
        assertEquals("NotApplied", applied.getReason());
        assertTrue(
                applied.getMessage().startsWith("spec.sharding changed after the plan was made"), applied.getMessage());
    }

    /**
     * The preview runs once per RewriteJob: spec.preview edited after its Job was made (a GPU-hour price added for a
     * cost, a larger sample) leaves status.estimate as the values it ran with, and SpecApplied says so, where it said
     * every edit had reached the job.
     */
    @Test
    void aPreviewEditedAfterItRanIsNamed() {
        RewriteJob job = FreshReconciles.job("pv", "m");
        RewriteJobSpec.Preview preview = new RewriteJobSpec.Preview();
        preview.setSample(50);
        job.getSpec().setPreview(preview);
        job.getSpec().setSuspend(true);
        client.resource(job).create();
        RewriterModel model = client.resources(RewriterModel.class)
                .inNamespace(NS)
                .withName("m")
                .get();
        RewriterModelStatus ready = new RewriterModelStatus();
        ready.setPhase(ModelPhase.Ready);
        ready.setReadyReplicas(1);
        model.setStatus(ready);
        client.resource(model).updateStatus();
        cluster.reconcile("pv");
        moves.plannerSucceeds("pv-plan", 4);
        cluster.reconcile("pv");
        cluster.reconcile("pv");
        Job previewJob = moves.job("pv-preview");
        assertNotNull(previewJob, "the suspended, planned job previews");
        moves.terminatedPod(previewJob, null, 0, true, 0, "Completed", ESTIMATE, false);
        moves.finish("pv-preview", "Complete", null);
        cluster.reconcile("pv");
        assertNotNull(cluster.status("pv").getEstimate());
        assertEquals(
                "Applied",
                ConditionAggregator.find(cluster.status("pv").getConditions(), SpecApplied.TYPE)
                        .getReason());

        cluster.edit("pv", spec -> spec.getPreview().setGpuHourPrice(2.5));
        cluster.reconcile("pv");
        RewriteJobStatus after = cluster.status("pv");
        assertNull(after.getEstimate().getCost(), "the preview is not run again");
        var applied = ConditionAggregator.find(after.getConditions(), SpecApplied.TYPE);
        assertEquals("NotApplied", applied.getReason());
        assertEquals(
                "spec.preview changed after the preview Job was made; the preview runs once per RewriteJob, so"
                        + " status.estimate is of the values it was made with; to preview with the new ones, run"
                        + " palimpsest preview on the manifest or create a new RewriteJob",
                applied.getMessage());
    }

    static final String ESTIMATE = "{\"plan\":{\"shards\":4,\"documents\":400,\"documentsEstimated\":false,"
            + "\"sampled\":50},\"requests\":{\"estimate\":400.0},\"completionTokens\":{\"estimate\":40000.0},"
            + "\"gpuHours\":{\"estimate\":0.5},\"cost\":null,\"capacitySource\":\"calibrated\"}";

    /**
     * A job whose worker Job waits in its Kueue queue (not admitted yet, or evicted and requeued) runs nothing: Running,
     * but not Ready, reason Queued naming the queue, where it said Ready, Running, "0/6 shards committed".
     */
    @Test
    void aWorkerJobWaitingInItsQueueIsNotTakenForRunning() {
        RewriteJob job = FreshReconciles.job("qw", "m");
        job.getSpec().setQueueName("team-a");
        client.resource(job).create();
        cluster.reconcile("qw");
        moves.plannerSucceeds("qw-plan", 6);
        cluster.reconcile("qw");
        cluster.reconcile("qw");
        assertTrue(moves.job("qw-work").getSpec().getSuspend());
        RewriteJobStatus queued = cluster.status("qw");
        assertEquals(JobPhase.Running, queued.getPhase());
        var ready = ConditionAggregator.find(queued.getConditions(), Conditions.READY);
        assertEquals("False", ready.getStatus());
        assertEquals("Queued", ready.getReason());
        assertEquals(
                "the worker Job qw-work waits for Kueue to admit it from queue team-a: no worker runs until then"
                        + " (kubectl get workloads -n test)",
                ready.getMessage());
        assertNull(queued.getEstimatedCompletionTime());

        admit("qw-work");
        cluster.reconcile("qw");
        var running = ConditionAggregator.find(cluster.status("qw").getConditions(), Conditions.READY);
        assertEquals("True", running.getStatus());
        assertEquals("Running", running.getReason());
    }

    /**
     * A job whose worker Job waits in its Kueue queue keeps no replica of its model up: its shards were the backlog
     * the autoscaler sized the fleet for, so GPU replicas served a job none of whose workers could run, for as long
     * as Kueue held it back. Queued, it is no work: the model goes to replicas.min after the scale-down window
     * (JobsQueued), and wakes for its shards once Kueue admits the Job. A job on auto parallelism still counts: its
     * worker Job, made while the model had no ready replica, waits at 0 workers, the count Kueue would admit it at.
     */
    @Test
    void aJobWaitingInItsQueueKeepsNoReplicaOfItsModelUp() {
        RewriteJob job = FreshReconciles.job("qm", "m");
        job.getSpec().setQueueName("team-a");
        client.resource(job).create();
        cluster.reconcile("qm");
        BoundJobsRemainingWork work = new BoundJobsRemainingWork(32, 10);
        ScalingPolicy policy = new ScalingPolicy(
                0,
                4,
                256,
                16,
                Duration.ZERO,
                Duration.ofSeconds(300),
                Duration.ofSeconds(3600),
                Duration.ofSeconds(15));
        ReplicaRecommender recommender = new ReplicaRecommender();
        Instant t0 = Instant.parse("2026-12-07T10:00:00Z");
        // planning: one shard of unknown size wakes the model
        Recommendation planning = recommender.recommend(
                0, null, work.count(List.of(rewriteJob("qm"))), policy, t0, ScalingHistory.empty());
        assertEquals(1, planning.replicas());
        moves.plannerSucceeds("qm-plan", 6);
        cluster.reconcile("qm");
        cluster.reconcile("qm");
        assertTrue(moves.job("qm-work").getSpec().getSuspend(), "waits for Kueue");
        assertEquals(
                "Queued",
                ConditionAggregator.find(cluster.status("qm").getConditions(), Conditions.READY)
                        .getReason());

        Backlog queued = work.count(List.of(rewriteJob("qm")));
        Recommendation within = recommender.recommend(1, null, queued, policy, t0.plusSeconds(299), planning.history());
        assertEquals(1, within.replicas(), "the scale-down window guards against a brief requeue");
        Recommendation after = recommender.recommend(1, null, queued, policy, t0.plusSeconds(300), within.history());
        assertEquals(
                0,
                after.replicas(),
                "released after the scale-down window, not kept for a job that cannot run: " + queued + ", " + after);
        assertEquals(ScaleReason.JobsQueued, after.reason());
        assertEquals(0, queued.shards(), "no worker of a queued job can run: " + queued);
        assertEquals(1, queued.queuedJobs());

        admit("qm-work");
        cluster.reconcile("qm");
        Backlog admitted = work.count(List.of(rewriteJob("qm")));
        assertEquals(6, admitted.shards());
        Recommendation woken = recommender.recommend(0, null, admitted, policy, t0.plusSeconds(400), after.history());
        assertEquals(ScaleReason.WakeOnWork, woken.reason());
        assertTrue(woken.replicas() >= 1, "Kueue's admission wakes the model: " + woken);

        RewriteJob auto = FreshReconciles.job("qn", "m");
        auto.getSpec().setQueueName("team-a");
        auto.getSpec().getWorkers().setParallelism(new IntOrString("auto"));
        client.resource(auto).create();
        cluster.reconcile("qn");
        moves.plannerSucceeds("qn-plan", 6);
        cluster.reconcile("qn");
        cluster.reconcile("qn");
        assertEquals(0, moves.job("qn-work").getSpec().getParallelism(), "made while the model had no ready replica");
        assertEquals(
                "Queued",
                ConditionAggregator.find(cluster.status("qn").getConditions(), Conditions.READY)
                        .getReason());
        assertEquals(6, work.count(List.of(rewriteJob("qn"))).shards(), "the model must be up for it to get a count");
    }

    private RewriteJob rewriteJob(String name) {
        return client.resources(RewriteJob.class).inNamespace(NS).withName(name).get();
    }

    /** Kueue admits a worker Job: it resumes it. */
    void admit(String workerJob) {
        JobControllerMoves.retryOnConflict(() -> client.batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withName(workerJob)
                .edit(j -> {
                    j.getSpec().setSuspend(false);
                    return j;
                }));
    }

    /**
     * The worker pods read the model's API key from the Secret their Job's pod template names, which cannot change:
     * a RewriterModel whose key Secret is edited while a job runs on it (a rotation under another Secret name, a
     * switch between an external endpoint and a deployed model) does not reach the running workers, and the job
     * says so instead of calling every edit applied.
     */
    @Test
    void aModelsApiKeySecretEditedMidRunIsNamed() {
        external("gw", new SecretKeyRef("gw-key-a", "token"));
        client.resource(FreshReconciles.job("ak", "gw")).create();
        cluster.reconcile("ak");
        moves.plannerSucceeds("ak-plan", 4);
        cluster.reconcile("ak");
        cluster.reconcile("ak");
        Job before = moves.job("ak-work");
        assertEquals("gw-key-a", keySecretOf(before));
        assertEquals(
                "Applied",
                ConditionAggregator.find(cluster.status("ak").getConditions(), SpecApplied.TYPE)
                        .getReason());

        editModel("gw", spec -> spec.getEndpoint().setApiKeySecretRef(new SecretKeyRef("gw-key-b", "token")));
        cluster.reconcile("ak");
        assertEquals(
                before.getSpec().getTemplate(), moves.job("ak-work").getSpec().getTemplate());
        var applied = ConditionAggregator.find(cluster.status("ak").getConditions(), SpecApplied.TYPE);
        assertEquals("False", applied.getStatus());
        assertEquals("NotApplied", applied.getReason());
        assertEquals(
                "RewriterModel 'gw' names the API key Secret gw-key-b (key token) but the worker Job was created with"
                        + " gw-key-a (key token): a Job's pod template cannot change, so its worker pods keep reading"
                        + " gw-key-a; to send the new key, delete this RewriteJob and apply it again (its committed"
                        + " shards are kept and skipped)",
                applied.getMessage());
        assertEquals(1, events("ak", "SpecNotApplied"));

        // Put back: nothing left unapplied.
        editModel("gw", spec -> spec.getEndpoint().setApiKeySecretRef(new SecretKeyRef("gw-key-a", "token")));
        cluster.reconcile("ak");
        assertEquals(
                "Applied",
                ConditionAggregator.find(cluster.status("ak").getConditions(), SpecApplied.TYPE)
                        .getReason());
    }

    /** A RewriterModel serving through an external endpoint whose API key is in {@code key}. */
    void external(String name, SecretKeyRef key) {
        RewriterModel model = new RewriterModel();
        model.setMetadata(
                new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
        RewriterModelSpec spec = new RewriterModelSpec();
        spec.setModel("org/" + name);
        RewriterModelSpec.ExternalEndpoint endpoint = new RewriterModelSpec.ExternalEndpoint();
        endpoint.setUrl("https://gateway.example");
        endpoint.setApiKeySecretRef(key);
        spec.setEndpoint(endpoint);
        model.setSpec(spec);
        client.resource(model).create();
    }

    void editModel(String name, Consumer<RewriterModelSpec> edit) {
        JobControllerMoves.retryOnConflict(() -> client.resources(RewriterModel.class)
                .inNamespace(NS)
                .withName(name)
                .edit(m -> {
                    edit.accept(m.getSpec());
                    return m;
                }));
    }

    static String keySecretOf(Job worker) {
        return worker.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> WorkerPodTemplate.MODEL_API_KEY_ENV.equals(e.getName()))
                .map(e -> e.getValueFrom().getSecretKeyRef().getName())
                .findFirst()
                .orElse(null);
    }

    AttemptLedger ledgerOf(String name) {
        AttemptLedger ledger = ResolvedJobConfigMap.ledgerOf(
                client.configMaps().inNamespace(NS).withName(name + "-job").get());
        return ledger == null ? new AttemptLedger() : ledger;
    }

    long events(String job, String reason) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> job.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
                .count();
    }

    String jobYaml(String name) {
        return client.configMaps()
                .inNamespace(NS)
                .withName(name + "-job")
                .get()
                .getData()
                .get(ResolvedJob.CONFIG_KEY);
    }
}
