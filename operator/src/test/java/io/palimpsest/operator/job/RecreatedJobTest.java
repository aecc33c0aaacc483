package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.worker.AttemptLedger;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.job.resources.ResolvedJobConfigMap;
import io.palimpsest.operator.status.ConditionAggregator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A RewriteJob deleted and created again under the same name ({@code kubectl delete} + {@code apply},
 * {@code replace --force}, Argo CD's {@code Replace=true}) while the first one's Jobs, ConfigMap and
 * pods are still there (the mock server has no garbage collector, like a cluster whose collector has
 * not come round yet): the new job uses nothing of them, waits until they are gone, then runs as any
 * new job. An unrelated object under a name the job needs is named, never taken for the job's.
 * Each reconcile is a fresh reconciler on a fresh read of the server, as in {@link OperatorRestartTest}.
 */
@EnableKubernetesMockClient(crud = true)
class RecreatedJobTest {
    static final String NS = "test";
    KubernetesClient client;
    KubernetesMockServer server;
    JobControllerMoves moves;
    FreshReconciles cluster;
    final MutableClock clock = new MutableClock(Instant.now());

    @BeforeEach
    void setUp() throws Exception {
        ValidatingApiServer.installForCustomResources(server, List.of());
        cluster = new FreshReconciles(client, clock);
        cluster.install("m");
        moves = new JobControllerMoves(client, NS);
    }

    @Test
    void aJobCreatedAgainUnderItsNameUsesNothingOfTheFirstAndStartsOnceItIsGone() {
        // The first job: planned (4 shards, the count kept on its planner Job), one shard committed, two
        // failed for good (one of them closed in the attempt ledger), and its worker Job Failed.
        RewriteJob first = client.resource(job("rc")).create();
        reconcile("rc");
        moves.plannerSucceeds("rc-plan", 4);
        reconcile("rc");
        assertEquals(JobPhase.Running, status("rc").getPhase());
        moves.shardCommits("rc-work", 0, 100);
        moves.shardFails("rc-work", 1, 0, 42, ShardSummary.Outcome.badData, "BadData");
        for (int attempt = 0; attempt < 3; attempt++) {
            moves.terminatedPod(moves.job("rc-work"), 2, attempt, false, 137, "OOMKilled", null, false);
        }
        moves.workerStatus("rc-work", "0", "1-2", 0);
        reconcile("rc");
        assertTrue(ledger("rc-job").of(2).isExhausted());
        moves.finish("rc-work", "Failed", "MaxFailedIndexesExceeded");
        reconcile("rc");
        assertEquals(JobPhase.Failed, status("rc").getPhase());
        ConfigMap oldConfig =
                client.configMaps().inNamespace(NS).withName("rc-job").get();

        // Deleted and created again; nothing collects the first job's objects yet.
        client.resource(first).delete();
        RewriteJob second = client.resource(job("rc")).create();
        reconcile("rc");
        reconcile("rc");
        RewriteJobStatus waiting = status("rc");
        assertEquals(JobPhase.Pending, waiting.getPhase());
        var ready = ConditionAggregator.find(waiting.getConditions(), Conditions.READY);
        assertEquals("WaitingForPreviousJob", ready.getReason());
        assertTrue(
                ready.getMessage().startsWith("waiting for the previous job's objects to be deleted: "),
                ready.getMessage());
        for (String name : List.of("ConfigMap rc-job", "Job rc-plan", "Job rc-work")) {
            assertTrue(
                    ready.getMessage()
                            .contains(name + " (controller: RewriteJob rc, uid "
                                    + first.getMetadata().getUid() + ")"),
                    ready.getMessage());
        }
        assertNull(waiting.getShards(), "the first job's shard count is not this job's");
        assertNull(waiting.getStartTime());
        assertTrue(waiting.getRecentFailures() == null
                || waiting.getRecentFailures().isEmpty());
        // ... and nothing of the first job's was changed or adopted.
        ConfigMap stillOld =
                client.configMaps().inNamespace(NS).withName("rc-job").get();
        assertEquals(
                oldConfig.getMetadata().getResourceVersion(),
                stillOld.getMetadata().getResourceVersion());
        assertOwnedBy(first, stillOld);
        assertOwnedBy(first, moves.job("rc-plan"));
        assertOwnedBy(first, moves.job("rc-work"));

        // The collector deletes the first job's Jobs and ConfigMap; their pods are still there.
        client.batch().v1().jobs().inNamespace(NS).withName("rc-plan").delete();
        client.batch().v1().jobs().inNamespace(NS).withName("rc-work").delete();
        client.configMaps().inNamespace(NS).withName("rc-job").delete();
        reconcile("rc");
        assertEquals(JobPhase.Planning, status("rc").getPhase());
        ConfigMap config =
                client.configMaps().inNamespace(NS).withName("rc-job").get();
        assertOwnedBy(second, config);
        assertNull(config.getData().get(AttemptLedger.CONFIG_KEY), "the first job's attempts are not this job's");
        assertOwnedBy(second, moves.job("rc-plan"));
        var annotations = moves.job("rc-plan").getMetadata().getAnnotations();
        assertTrue(annotations == null || !annotations.containsKey(RewriteJobNames.SHARDS_ANNOTATION));

        moves.plannerSucceeds("rc-plan", 6);
        reconcile("rc");
        RewriteJobStatus running = status("rc");
        assertEquals(JobPhase.Running, running.getPhase());
        assertEquals(6, running.getShards().getTotal());
        assertEquals(0, running.getShards().getSucceeded());
        assertEquals(0, running.getShards().getFailed());
        Job worker = moves.job("rc-work");
        assertOwnedBy(second, worker);
        assertEquals(6, worker.getSpec().getCompletions());
        assertTrue(running.getRecentFailures() == null
                || running.getRecentFailures().isEmpty());

        for (int i = 0; i < 6; i++) {
            moves.shardCommits("rc-work", i, 10);
        }
        moves.workerStatus("rc-work", "0-5", "", 0);
        moves.finish("rc-work", "Complete", null);
        reconcile("rc");
        RewriteJobStatus done = status("rc");
        assertEquals(JobPhase.Succeeded, done.getPhase());
        assertEquals(60, done.getDocuments().getWritten(), "the first job's committed shard is not counted");
        assertEquals("0-5", done.getCompletedShards());
        assertTrue(done.getFailedShards() == null || done.getFailedShards().isEmpty(), done.getFailedShards());
    }

    @Test
    void anObjectOfSomeoneElseUnderANameTheJobNeedsIsNamedAndNeverTakenForTheJobs() {
        // A ConfigMap of the job's config name that nobody owns, and a Job of its worker name that a CronJob owns.
        client.resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("nt-job")
                        .withNamespace(NS)
                        .endMetadata()
                        .withData(Map.of("settings", "someone else's"))
                        .build())
                .create();
        client.resource(new JobBuilder()
                        .withNewMetadata()
                        .withName("nt-work")
                        .withNamespace(NS)
                        .withOwnerReferences(new OwnerReferenceBuilder()
                                .withApiVersion("batch/v1")
                                .withKind("CronJob")
                                .withName("nightly")
                                .withUid("5e1f-cron")
                                .withController(true)
                                .build())
                        .endMetadata()
                        .withNewSpec()
                        .withNewTemplate()
                        .withNewSpec()
                        .addNewContainer()
                        .withName("c")
                        .withImage("busybox")
                        .endContainer()
                        .withRestartPolicy("Never")
                        .endSpec()
                        .endTemplate()
                        .endSpec()
                        .build())
                .create();

        RewriteJob job = client.resource(job("nt")).create();
        reconcile("nt");
        RewriteJobStatus taken = status("nt");
        assertEquals(JobPhase.Pending, taken.getPhase());
        var ready = ConditionAggregator.find(taken.getConditions(), Conditions.READY);
        assertEquals("NameTaken", ready.getReason());
        assertEquals(
                "ConfigMap nt-job (no controller) already exists and is not this RewriteJob's: the job needs the name;"
                        + " delete or rename that object, or create the RewriteJob under another name",
                ready.getMessage());
        assertEquals(
                Map.of("settings", "someone else's"),
                client.configMaps().inNamespace(NS).withName("nt-job").get().getData());
        assertNull(moves.job("nt-plan"), "nothing is made past the name in use");

        client.configMaps().inNamespace(NS).withName("nt-job").delete();
        reconcile("nt");
        assertEquals(JobPhase.Planning, status("nt").getPhase());
        assertOwnedBy(
                job, client.configMaps().inNamespace(NS).withName("nt-job").get());

        moves.plannerSucceeds("nt-plan", 3);
        reconcile("nt");
        RewriteJobStatus held = status("nt");
        assertEquals(JobPhase.Planning, held.getPhase());
        var progressing = ConditionAggregator.find(held.getConditions(), Conditions.PROGRESSING);
        assertEquals("NameTaken", progressing.getReason());
        assertTrue(
                progressing.getMessage().startsWith("Job nt-work (controller: CronJob nightly, uid 5e1f-cron)"),
                progressing.getMessage());
        assertEquals(
                "5e1f-cron",
                moves.job("nt-work").getMetadata().getOwnerReferences().get(0).getUid());

        client.batch().v1().jobs().inNamespace(NS).withName("nt-work").delete();
        clock.advance(Duration.ofSeconds(30));
        reconcile("nt");
        assertEquals(JobPhase.Running, status("nt").getPhase());
        assertOwnedBy(job, moves.job("nt-work"));
        assertEquals(3, moves.job("nt-work").getSpec().getCompletions());
    }

    // --- helpers

    RewriteJob job(String name) {
        return FreshReconciles.job(name, "m");
    }

    void reconcile(String name) {
        cluster.reconcile(name);
    }

    RewriteJobStatus status(String name) {
        return cluster.status(name);
    }

    AttemptLedger ledger(String configMap) {
        AttemptLedger ledger = ResolvedJobConfigMap.ledgerOf(
                client.configMaps().inNamespace(NS).withName(configMap).get());
        assertNotNull(ledger);
        return ledger;
    }

    static void assertOwnedBy(RewriteJob owner, HasMetadata owned) {
        RewriteJobLifecycleTest.assertOwnedBy(owner, owned);
    }
}
