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

    /**
     * {@code kubectl delete rewritejob} deletes in the background: the job is gone at once, the garbage collector then
     * deletes its worker Job and its pods, which run on through their grace period (a worker finishing its shard
     * commits it). A job applied on that output meanwhile waits for them, whatever its name.
     */
    @Test
    void aJobDeletedInTheBackgroundHoldsTheOutputWhileItsPodsStillRun() {
        Pod worker = runningWorkerOf("so-p", "s3://corpus/orphaned");
        deletedInTheBackground("so-p");

        client.resource(job("so-r", "s3://corpus/orphaned/inner")).create();
        client.resource(job("so-s", "s3://corpus/elsewhere")).create();
        cluster.reconcile("so-r");
        cluster.reconcile("so-s");
        assertEquals(JobPhase.Planning, cluster.status("so-s").getPhase(), "another output is free");
        assertEquals(JobPhase.Pending, cluster.status("so-r").getPhase(), "an output inside it waits as well");
        assertTrue(
                ConditionAggregator.find(cluster.status("so-r").getConditions(), Conditions.READY)
                        .getMessage()
                        .startsWith("spec.output.uri s3://corpus/orphaned/inner is inside s3://corpus/orphaned/, the"
                                + " output of pod test/" + worker.getMetadata().getName()),
                cluster.status("so-r").getConditions().toString());
        assertNull(moves.job("so-r-plan"));
        client.resources(RewriteJob.class).inNamespace(NS).withName("so-r").delete();

        client.resource(job("so-q", "s3://corpus/orphaned/")).create();
        cluster.reconcile("so-q");
        cluster.reconcile("so-q");
        RewriteJobStatus waiting = cluster.status("so-q");
        assertEquals(JobPhase.Pending, waiting.getPhase(), "a worker of the deleted job may still commit there");
        var ready = ConditionAggregator.find(waiting.getConditions(), Conditions.READY);
        assertEquals("OutputInUse", ready.getReason());
        assertEquals(
                "spec.output.uri s3://corpus/orphaned/ is the output of pod test/"
                        + worker.getMetadata().getName()
                        + " of deleted RewriteJob test/so-p, which still runs: a pod stopping after its job was"
                        + " deleted in the background may still commit a shard there, so this job waits until it has"
                        + " terminated (kubectl get pods -n test -l palimpsest.io/rewritejob=so-p)",
                ready.getMessage());
        assertNull(moves.job("so-q-plan"));

        moves.terminate(worker, 143);
        cluster.reconcile("so-q");
        assertEquals(JobPhase.Planning, cluster.status("so-q").getPhase());
        assertNotNull(moves.job("so-q-plan"));
    }

    /** A job made again under the deleted one's name (kubectl apply after a delete) is another: it waits as well. */
    @Test
    void aJobMadeAgainUnderItsNameWaitsForThePodsOfTheDeletedOne() {
        Pod worker = runningWorkerOf("so-t", "s3://corpus/again");
        deletedInTheBackground("so-t");

        client.resource(job("so-t", "s3://corpus/again")).create();
        cluster.reconcile("so-t");
        cluster.reconcile("so-t");
        RewriteJobStatus waiting = cluster.status("so-t");
        assertEquals(JobPhase.Pending, waiting.getPhase());
        var ready = ConditionAggregator.find(waiting.getConditions(), Conditions.READY);
        assertEquals("OutputInUse", ready.getReason());
        assertTrue(
                ready.getMessage()
                        .startsWith("spec.output.uri s3://corpus/again is the output of pod test/"
                                + worker.getMetadata().getName()
                                + " of deleted RewriteJob test/so-t, which still runs"),
                ready.getMessage());
        assertNull(moves.job("so-t-plan"));

        client.resource(worker).delete();
        cluster.reconcile("so-t");
        assertEquals(JobPhase.Planning, cluster.status("so-t").getPhase());
    }

    /**
     * A pod of a Job made before pods said their output: once its job is gone, its output is not known, so it holds
     * every job that could write where it does, and says so.
     */
    @Test
    void aPodThatDoesNotSayItsOutputHoldsEveryOutputItCouldReach() {
        Pod worker = runningWorkerOf("so-u", "s3://corpus/unsaid");
        worker = client.pods()
                .inNamespace(NS)
                .withName(worker.getMetadata().getName())
                .edit(p -> {
                    p.getMetadata().getAnnotations().remove(RewriteJobNames.OUTPUT_ANNOTATION);
                    p.getMetadata().getAnnotations().remove(RewriteJobNames.JOB_UID_ANNOTATION);
                    return p;
                });
        deletedInTheBackground("so-u");

        client.resource(job("so-v", "s3://corpus/other")).create();
        cluster.reconcile("so-v");
        cluster.reconcile("so-v");
        var ready = ConditionAggregator.find(cluster.status("so-v").getConditions(), Conditions.READY);
        assertEquals(JobPhase.Pending, cluster.status("so-v").getPhase());
        assertEquals(
                "pod test/" + worker.getMetadata().getName() + " of deleted RewriteJob test/so-u still runs, made by a"
                        + " Job that does not say its output (an operator before palimpsest.io/output): it may write to"
                        + " any s3:// output or claim of namespace test, this job's among them: a pod stopping after"
                        + " its job was deleted in the background may still commit a shard there, so this job waits"
                        + " until it has terminated (kubectl get pods -n test -l palimpsest.io/rewritejob=so-u)",
                ready.getMessage());

        moves.terminate(worker, 0);
        cluster.reconcile("so-v");
        assertEquals(JobPhase.Planning, cluster.status("so-v").getPhase());
    }

    /** A running job with a worker pod of its worker Job: the pod carries what the Job's template says. */
    private Pod runningWorkerOf(String name, String output) {
        client.resource(job(name, output)).create();
        cluster.reconcile(name);
        moves.plannerSucceeds(name + "-plan", 2);
        cluster.reconcile(name);
        cluster.reconcile(name);
        assertEquals(JobPhase.Running, cluster.status(name).getPhase());
        Pod worker = moves.runningPod(name + "-work", 0, 0);
        moves.workerStatus(name + "-work", "", "", 1);
        return worker;
    }

    /**
     * The RewriteJob deleted in the background, and then, as the garbage collector does, its ConfigMap and Jobs: the
     * pods are left to stop.
     */
    private void deletedInTheBackground(String name) {
        client.resources(RewriteJob.class).inNamespace(NS).withName(name).delete();
        client.configMaps()
                .inNamespace(NS)
                .withLabel(RewriteJobNames.JOB_LABEL, name)
                .delete();
        client.batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withLabel(RewriteJobNames.JOB_LABEL, name)
                .delete();
        assertNull(client.resources(RewriteJob.class)
                .inNamespace(NS)
                .withName(name)
                .get());
    }

    private static RewriteJob job(String name, String output) {
        RewriteJob job = FreshReconciles.job(name, "m");
        job.getSpec().getOutput().setUri(output);
        return job;
    }
}
