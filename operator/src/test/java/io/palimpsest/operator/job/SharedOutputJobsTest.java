package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.status.ConditionAggregator;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two RewriteJobs of one namespace writing one output, against the mock API server, each reconcile a
 * fresh reconciler on a fresh read of the server ({@link FreshReconciles}): the second waits, making
 * nothing (no plan of its own to replace the first one's), and starts once the first has finished.
 */
@EnableKubernetesMockClient(crud = true)
class SharedOutputJobsTest {
    static final String NS = "test";
    KubernetesClient client;
    KubernetesMockServer server;
    JobControllerMoves moves;
    FreshReconciles cluster;
    final MutableClock clock = new MutableClock(Instant.now());

    @BeforeEach
    void setUp() throws Exception {
        // as a cluster whose CRD predates the modelRef transition rule: the operator refuses that edit itself
        ValidatingApiServer.installForCustomResources(server, List.of("modelRef is immutable once set"));
        cluster = new FreshReconciles(client, clock);
        cluster.install("m");
        moves = new JobControllerMoves(client, NS);
    }

    @Test
    void aSecondJobIntoTheSameOutputWaitsUntilTheFirstHasFinished() {
        client.resource(job("so-a", "s3://corpus/shared")).create();
        cluster.reconcile("so-a");
        assertEquals(JobPhase.Planning, cluster.status("so-a").getPhase());
        assertNotNull(moves.job("so-a-plan"));

        // The same output, spelled otherwise.
        client.resource(job("so-b", "s3://corpus//shared/")).create();
        cluster.reconcile("so-b");
        cluster.reconcile("so-b");
        RewriteJobStatus waiting = cluster.status("so-b");
        assertEquals(JobPhase.Pending, waiting.getPhase());
        var ready = ConditionAggregator.find(waiting.getConditions(), Conditions.READY);
        assertEquals("OutputInUse", ready.getReason());
        assertTrue(
                ready.getMessage()
                        .startsWith("spec.output.uri s3://corpus//shared/ is the output of RewriteJob test/so-a"
                                + " (Planning), which came first"),
                ready.getMessage());
        assertNull(moves.job("so-b-plan"), "no plan of its own into the other job's output");
        assertNull(client.configMaps().inNamespace(NS).withName("so-b-job").get());

        // The first job runs to its end; the second is still held while it runs.
        moves.plannerSucceeds("so-a-plan", 2);
        cluster.reconcile("so-a");
        assertEquals(JobPhase.Running, cluster.status("so-a").getPhase());
        cluster.reconcile("so-b");
        assertEquals(JobPhase.Pending, cluster.status("so-b").getPhase());
        assertTrue(ConditionAggregator.find(cluster.status("so-b").getConditions(), Conditions.READY)
                .getMessage()
                .contains("test/so-a (Running)"));
        moves.shardCommits("so-a-work", 0, 10);
        moves.shardCommits("so-a-work", 1, 10);
        moves.workerStatus("so-a-work", "0-1", "", 0);
        moves.finish("so-a-work", "Complete", null);
        cluster.reconcile("so-a");
        assertEquals(JobPhase.Succeeded, cluster.status("so-a").getPhase());

        cluster.reconcile("so-b");
        assertEquals(JobPhase.Planning, cluster.status("so-b").getPhase());
        assertNotNull(moves.job("so-b-plan"));
    }

    @Test
    void jobsIntoOtherOutputsStartSideBySide() {
        client.resource(job("so-c", "s3://corpus/out-c")).create();
        client.resource(job("so-d", "s3://corpus/out-cd")).create();
        cluster.reconcile("so-c");
        cluster.reconcile("so-d");
        assertEquals(JobPhase.Planning, cluster.status("so-c").getPhase());
        assertEquals(JobPhase.Planning, cluster.status("so-d").getPhase());
    }

    @Test
    void anOutputInsideAnotherJobsOutputWaitsEitherWayRound() {
        client.resource(job("so-g", "s3://corpus/all/nest")).create();
        cluster.reconcile("so-g");
        assertEquals(JobPhase.Planning, cluster.status("so-g").getPhase());

        client.resource(job("so-h", "s3://corpus/all/nest/sub")).create();
        client.resource(job("so-i", "s3://corpus/all")).create();
        cluster.reconcile("so-h");
        cluster.reconcile("so-i");
        assertEquals(JobPhase.Pending, cluster.status("so-h").getPhase());
        assertEquals(JobPhase.Pending, cluster.status("so-i").getPhase());
        var inner = ConditionAggregator.find(cluster.status("so-h").getConditions(), Conditions.READY);
        assertEquals("OutputInUse", inner.getReason());
        assertTrue(
                inner.getMessage()
                        .startsWith(
                                "spec.output.uri s3://corpus/all/nest/sub is inside s3://corpus/all/nest/, the output of"
                                        + " RewriteJob test/so-g (Planning), which came first"),
                inner.getMessage());
        assertTrue(
                ConditionAggregator.find(cluster.status("so-i").getConditions(), Conditions.READY)
                        .getMessage()
                        .startsWith(
                                "spec.output.uri s3://corpus/all holds s3://corpus/all/nest/, the output of RewriteJob"
                                        + " test/so-g (Planning)"),
                cluster.status("so-i").getConditions().toString());
        assertNull(moves.job("so-h-plan"));
        assertNull(moves.job("so-i-plan"));
    }

    @Test
    void theLaterJobWaitsAlsoWhenItIsReconciledFirst() {
        client.resource(job("so-e", "s3://corpus/first-come")).create();
        client.resource(job("so-f", "s3://corpus/first-come")).create();
        cluster.reconcile("so-f");
        cluster.reconcile("so-e");
        assertEquals(JobPhase.Pending, cluster.status("so-f").getPhase());
        assertEquals(JobPhase.Planning, cluster.status("so-e").getPhase());

        // Deleted, the first job holds the output no more.
        client.resources(RewriteJob.class).inNamespace(NS).withName("so-e").delete();
        cluster.reconcile("so-f");
        assertEquals(JobPhase.Planning, cluster.status("so-f").getPhase());
    }

    /**
     * A job that fails while its workers run (its modelRef edited, which the operator refuses once started) stops
     * its worker Job, and holds its output until no worker pod of it runs: a worker stopped after its shard's last
     * document still commits the shard, which would land in the next job's plan.
     */
    @Test
    void aJobFailedWhileItsWorkersRunHoldsTheOutputUntilTheyHaveStopped() {
        cluster.model("m2");
        client.resource(job("so-l", "s3://corpus/failing")).create();
        cluster.reconcile("so-l");
        moves.plannerSucceeds("so-l-plan", 2);
        cluster.reconcile("so-l");
        cluster.reconcile("so-l");
        assertEquals(JobPhase.Running, cluster.status("so-l").getPhase());
        Pod worker = moves.runningPod("so-l-work", 0, 0);
        moves.workerStatus("so-l-work", "", "", 1);
        client.resource(job("so-m", "s3://corpus/failing")).create();
        cluster.reconcile("so-m");
        assertEquals(JobPhase.Pending, cluster.status("so-m").getPhase());

        cluster.edit("so-l", spec -> spec.getModelRef().setName("m2"));
        cluster.reconcile("so-l");
        RewriteJobStatus failed = cluster.status("so-l");
        assertEquals(JobPhase.Failed, failed.getPhase());
        assertEquals(
                "InvalidSpec",
                ConditionAggregator.find(failed.getConditions(), Conditions.FAILED)
                        .getReason());
        Job stopped = moves.job("so-l-work");
        assertEquals(Boolean.TRUE, stopped.getSpec().getSuspend(), "no worker of a job that has ended runs");
        assertEquals(0, stopped.getSpec().getParallelism());
        var reconciling = ConditionAggregator.find(failed.getConditions(), Conditions.RECONCILING);
        assertEquals("True", reconciling.getStatus());
        assertEquals("WorkersStopping", reconciling.getReason());

        cluster.reconcile("so-l"); // the worker Job seen suspended: its pod still runs
        cluster.reconcile("so-m");
        RewriteJobStatus waiting = cluster.status("so-m");
        assertEquals(JobPhase.Pending, waiting.getPhase(), "a worker of the failed job may still commit there");
        var ready = ConditionAggregator.find(waiting.getConditions(), Conditions.READY);
        assertEquals("OutputInUse", ready.getReason());
        assertTrue(
                ready.getMessage()
                        .startsWith(
                                "spec.output.uri s3://corpus/failing is the output of RewriteJob test/so-l (Failed),"
                                        + " whose workers are still stopping"),
                ready.getMessage());
        assertNull(moves.job("so-m-plan"));

        // The Job controller deletes the suspended Job's pod; once it is gone, the output is free.
        client.resource(worker).delete();
        moves.workerStatus("so-l-work", "", "", 0);
        cluster.reconcile("so-l");
        assertEquals(
                "False",
                ConditionAggregator.find(cluster.status("so-l").getConditions(), Conditions.RECONCILING)
                        .getStatus());
        cluster.reconcile("so-m");
        assertEquals(JobPhase.Planning, cluster.status("so-m").getPhase());
        assertNotNull(moves.job("so-m-plan"));
    }

    /**
     * A worker Job the Job controller failed (a worker's refusal the same for every shard, FailJob) ends the job at
     * once, while the controller still stops its other pods: the output stays the job's until they have terminated.
     */
    @Test
    void aJobWhoseWorkerJobFailedHoldsTheOutputWhileItsPodsTerminate() {
        client.resource(job("so-n", "s3://corpus/refused")).create();
        cluster.reconcile("so-n");
        moves.plannerSucceeds("so-n-plan", 2);
        cluster.reconcile("so-n");
        cluster.reconcile("so-n");
        client.resource(job("so-o", "s3://corpus/refused")).create();
        cluster.reconcile("so-o");
        assertEquals(JobPhase.Pending, cluster.status("so-o").getPhase());

        Pod terminating = moves.runningPod("so-n-work", 1, 0);
        moves.shardFails("so-n-work", 0, 0, ExitCodes.MODEL_CONFIG, ShardSummary.Outcome.modelConfig, "model_config");
        moves.finish("so-n-work", "FailureTarget", "PodFailurePolicy");
        cluster.reconcile("so-n");
        RewriteJobStatus failed = cluster.status("so-n");
        assertEquals(JobPhase.Failed, failed.getPhase());
        assertEquals(
                "WorkersStopping",
                ConditionAggregator.find(failed.getConditions(), Conditions.RECONCILING)
                        .getReason());
        assertTrue(
                ConditionAggregator.find(failed.getConditions(), Conditions.RECONCILING)
                        .getMessage()
                        .contains("1 pod still runs"),
                failed.getConditions().toString());
        assertNotEquals(
                Boolean.TRUE,
                moves.job("so-n-work").getSpec().getSuspend(),
                "the Job controller stops a failed Job's pods itself");
        cluster.reconcile("so-o");
        assertEquals(JobPhase.Pending, cluster.status("so-o").getPhase());
        assertTrue(ConditionAggregator.find(cluster.status("so-o").getConditions(), Conditions.READY)
                .getMessage()
                .contains("(Failed), whose workers are still stopping"));

        moves.terminate(terminating, 143);
        cluster.reconcile("so-n");
        cluster.reconcile("so-o");
        assertEquals(JobPhase.Planning, cluster.status("so-o").getPhase());
    }

    private static RewriteJob job(String name, String output) {
        RewriteJob job = FreshReconciles.job(name, "m");
        job.getSpec().getOutput().setUri(output);
        return job;
    }
}
