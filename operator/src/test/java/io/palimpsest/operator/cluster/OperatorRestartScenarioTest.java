package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.operator.job.RewriteJobReconciler;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The operator killed while a job runs, at 30%, 50% and 80% of its shards, each time followed by
 * a new operator instance: the job must complete with one planner Job and one worker Job for its
 * whole life, and status totals equal to the sum of the shard receipts, to the document and token.
 * <p>
 * How the restart is done: the Quarkus app's JOSDK {@link Operator} is stopped (informers, event
 * processing and executors of both controllers gone, as in a killed pod); each new instance is a
 * new JOSDK {@code Operator} on a new client to the same API server, with a new
 * {@link RewriteJobReconciler} object whose injected collaborators (clock, settings, config,
 * condition aggregator — stateless) are the app's beans. So the reconciler's own memory (informer
 * caches, pod readings) starts empty every time; only the RewriteJob controller is brought back,
 * which is why the model has a fixed single replica (nothing to autoscale while its controller is
 * down) and the job a fixed parallelism. While no operator runs, the simulated Job controller and
 * kubelet keep the workers going, as a real cluster would.
 */
// Over two minutes on the shared machine: kept out of the default run (docs/BENCHMARKS.md).
@Tag("slow")
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class OperatorRestartScenarioTest {

    static final int SHARDS = 20;
    static final int DOCS = 6;

    @Inject
    KubernetesClient operatorClient;

    @Inject
    Operator quarkusOperator;

    @Test
    void restartsAt30And50And80PercentComplete() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        List<Operator> started = new ArrayList<>();
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient),
                PalimpsestWorkerProgram.Mode.SUBPROCESS,
                () -> SimConfig.builder().startupDelay(Duration.ofSeconds(1)).decodeStepBaseSeconds(0.005))) {
            Path input = s.claim("corpus").resolve("restart-in");
            SyntheticCorpus.write(input, SHARDS, DOCS, 11);
            s.createOneReplicaModel("restart-model");
            RewriteJob job =
                    s.smallJob("restart", "restart-model", "pvc://corpus/restart-in/", "pvc://corpus/restart-out/");
            job.getSpec().getWorkers().setParallelism(new IntOrString(4));

            try (OwnedJobsWatch ownedJobs = new OwnedJobsWatch(s.client, "restart")) {
                s.client.resource(job).create();
                List<String> restarts = new ArrayList<>();
                Runnable stop = quarkusOperator::stop;
                for (int percent : new int[] {30, 50, 80}) {
                    long at = awaitSucceededShards(s, percent);
                    stop.run();
                    long seen = s.job("restart").getStatus().getShards().getSucceeded();
                    // Down for a while: workers go on committing shards no operator is watching.
                    Thread.sleep(3000);
                    Operator next = freshOperator(operatorClient);
                    started.add(next);
                    stop = next::stop;
                    restarts.add(percent + "% (" + at + "/" + SHARDS + " seen, " + seen + " at stop)");
                }
                RewriteJob done = s.awaitPhase("restart", JobPhase.Succeeded, Duration.ofSeconds(240));
                RewriteJobStatus st = done.getStatus();
                ReceiptTotals receipts = ReceiptTotals.of(input.resolveSibling("restart-out"));

                ownedJobs.assertOnePlannerAndOneWorker();
                receipts.assertStatusOf(st, SHARDS, (long) SHARDS * DOCS);

                System.out.printf(
                        "[figures] operator restarts at %s: Succeeded; Jobs created %s (one each); status = receipts: "
                                + "%d shards, %d read, %d written, %d rejected, %d skipped, %d prompt + %d completion tokens%n",
                        restarts,
                        ownedJobs.names(),
                        receipts.shards(),
                        receipts.read(),
                        receipts.written(),
                        receipts.rejected(),
                        receipts.skipped(),
                        receipts.promptTokens(),
                        receipts.completionTokens());
            }
        } finally {
            for (Operator o : started) {
                try {
                    o.stop();
                } catch (RuntimeException e) {
                    // already stopped at the next restart
                }
            }
        }
    }

    private static long awaitSucceededShards(Scenario s, int percent) {
        RewriteJob j = await().atMost(Duration.ofSeconds(240))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> s.job("restart"),
                        r -> r != null
                                && r.getStatus() != null
                                && r.getStatus().getShards() != null
                                && r.getStatus().getShards().getSucceeded() * 100 >= (long) percent * SHARDS);
        return j.getStatus().getShards().getSucceeded();
    }

    /** A new JOSDK operator running only a new RewriteJob reconciler wired like the app's. */
    private static Operator freshOperator(KubernetesClient like) throws Exception {
        KubernetesClient client = Scenario.clientLike(like);
        Operator operator = new Operator(o -> o.withKubernetesClient(client)
                .withCloseClientOnStop(true)
                .withUseSSAToPatchPrimaryResource(false)
                .withSSABasedCreateUpdateMatchForDependentResources(false));
        RewriteJobReconciler fresh = Scenario.freshJobReconciler();
        operator.register(fresh);
        operator.start();
        return operator;
    }
}
