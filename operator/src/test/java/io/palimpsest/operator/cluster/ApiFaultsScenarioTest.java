package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.operator.status.ConditionAggregator;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A job through an API server that misbehaves the ways real ones do: 500 and 409 on creates,
 * 409 on status writes (someone else wrote first), 429 with Retry-After on patches, a create that
 * lands but whose answer never arrives (timeout), and watches dropped mid-run with 410 Gone, then
 * refused with 410 when they resume from their resourceVersion. The operator must converge: one
 * ConfigMap, one planner Job, one worker Job for the job's life, status totals equal to the receipt
 * sums (no shard lost or counted twice). Faults hit only the operator's requests (the simulated
 * cluster's controllers have a User-Agent of their own). The app is the namespaced one of
 * {@link RbacFromRequestsTest} (one boot for both); the client's request timeout is its default, 10 s.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = FaultyClusterApiServer.class)
@TestProfile(RbacFromRequestsTest.Namespaced.class)
class ApiFaultsScenarioTest {

    static final int SHARDS = 8;
    static final int DOCS = 4;
    static final String CLUSTER_AGENT = "simulated-cluster";

    @Inject
    KubernetesClient operatorClient;

    @Test
    void theOperatorConvergesThroughApiFaults() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        FaultyApiServer api = FaultyClusterApiServer.layer();
        KubernetesClient clusterClient = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(operatorClient.getConfiguration())
                        .withUserAgent(CLUSTER_AGENT)
                        .build())
                .build();
        Predicate<FaultyApiServer.Request> operator = r -> !r.agent().contains(CLUSTER_AGENT);
        try (Scenario s = new Scenario(clusterClient, PalimpsestWorkerProgram.Mode.IN_PROCESS, () -> SimConfig.builder()
                .startupDelay(Duration.ofMillis(500))
                .decodeStepBaseSeconds(0.01))) {
            Map<String, AtomicInteger> injected = new LinkedHashMap<>();
            injected.put(
                    "500 on ConfigMap create",
                    api.inject(operator.and(r -> r.is("create", "configmaps")), 2, FaultyApiServer.status(500)));
            injected.put(
                    "500 on the first Job create",
                    api.inject(operator.and(r -> r.is("create", "jobs")), 1, FaultyApiServer.status(500)));
            injected.put(
                    "409 on RewriteJob status writes",
                    api.inject(
                            operator.and(
                                    r -> r.is("update", "rewritejobs/status") || r.is("patch", "rewritejobs/status")),
                            3,
                            FaultyApiServer.status(409)));
            injected.put(
                    "429 on Job patches",
                    api.inject(operator.and(r -> r.is("patch", "jobs")), 2, FaultyApiServer.status(429)));
            injected.put(
                    "500 on Event writes",
                    api.inject(
                            operator.and(r -> r.resource().equals("events") && r.write()),
                            2,
                            FaultyApiServer.status(500)));

            Path input = s.claim("corpus").resolve("faults-in");
            SyntheticCorpus.write(input, SHARDS, DOCS, 23);
            s.createOneReplicaModel("faults-model");
            RewriteJob job =
                    s.smallJob("faults", "faults-model", "pvc://corpus/faults-in/", "pvc://corpus/faults-out/");
            job.getSpec().getWorkers().setParallelism(new IntOrString(2));

            try (OwnedJobsWatch ownedJobs = new OwnedJobsWatch(s.client, "faults")) {
                s.client.resource(job).create();
                // The worker Job's create lands, its answer does not come back in time.
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> s.client
                                        .batch()
                                        .v1()
                                        .jobs()
                                        .inNamespace(Scenario.NS)
                                        .withName("faults-plan")
                                        .get()
                                != null);
                injected.put(
                        "worker Job create applied, answer timed out",
                        api.inject(
                                operator.and(r -> r.is("create", "jobs")),
                                1,
                                FaultyApiServer.appliedThenTimeout(Duration.ofSeconds(12))));

                // Mid-run: every watch cut with 410 Gone; then cut plainly while resumes from a
                // resourceVersion are refused with 410 for a while (the client must list again).
                await().atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(100))
                        .until(
                                () -> s.job("faults"),
                                r -> r != null
                                        && r.getStatus() != null
                                        && r.getStatus().getShards() != null
                                        && r.getStatus().getShards().getSucceeded() >= 2);
                int dropped = api.dropWatches(true);
                Thread.sleep(1500);
                api.goneOnResume(true);
                dropped += api.dropWatches(false);
                Thread.sleep(1500);
                api.goneOnResume(false);

                RewriteJob done = s.awaitPhase("faults", JobPhase.Succeeded, Duration.ofSeconds(180));
                RewriteJobStatus st = done.getStatus();
                ReceiptTotals receipts = ReceiptTotals.of(input.resolveSibling("faults-out"));

                injected.forEach((what, hits) -> assertTrue(hits.get() > 0, "the fault was never hit: " + what));
                ownedJobs.assertOnePlannerAndOneWorker();
                assertEquals(
                        1,
                        s.client
                                .configMaps()
                                .inNamespace(Scenario.NS)
                                .withLabel(RewriteJobNames.JOB_LABEL, "faults")
                                .list()
                                .getItems()
                                .size(),
                        "one ConfigMap");
                receipts.assertStatusOf(st, SHARDS, (long) SHARDS * DOCS);

                long goneResumes = api.calls(c -> c.verb().equals("watch") && c.code() == 410)
                        .size();
                long operatorErrors = api.calls(c -> !c.agent().contains(CLUSTER_AGENT) && c.code() >= 400)
                        .size();
                StringBuilder hits = new StringBuilder();
                injected.forEach((what, n) ->
                        hits.append(what).append(": ").append(n.get()).append("; "));
                System.out.printf(
                        "[figures] API faults: %s%d watches dropped (the first round after a 410 Gone event), %d watch resumes refused 410; "
                                + "%d operator requests answered with an error in all (then retried); Succeeded with one "
                                + "ConfigMap, one planner and one worker Job; status = receipts: %d shards, %d read, %d written%n",
                        hits,
                        dropped,
                        goneResumes,
                        operatorErrors,
                        receipts.shards(),
                        receipts.read(),
                        receipts.written());
            }
        } finally {
            api.clearFaults();
            clusterClient.close();
        }
    }

    /**
     * A grant missing from the operator's role (403 on the planner Job's create): the job says which
     * in its Ready condition and one Warning Event, instead of an exception loop, and goes on by
     * itself once the role allows the call.
     */
    @Test
    void aCallTheRoleDoesNotAllowIsReportedUntilItIsAllowed() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        FaultyApiServer api = FaultyClusterApiServer.layer();
        KubernetesClient clusterClient = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(operatorClient.getConfiguration())
                        .withUserAgent(CLUSTER_AGENT)
                        .build())
                .build();
        try (Scenario s = new Scenario(clusterClient, PalimpsestWorkerProgram.Mode.IN_PROCESS, () -> SimConfig.builder()
                .startupDelay(Duration.ofMillis(500))
                .decodeStepBaseSeconds(0.01))) {
            Path input = s.claim("corpus").resolve("denied-in");
            SyntheticCorpus.write(input, 1, 1, 5);
            s.createOneReplicaModel("denied-model");
            // The model's weight download Job is made before the refusals start: they are the planner's.
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> s.client.batch().v1().jobs().inNamespace(Scenario.NS).list().getItems().stream()
                            .anyMatch(j -> j.getMetadata().getName().startsWith("denied-model")));
            AtomicInteger refused = api.inject(
                    r -> !r.agent().contains(CLUSTER_AGENT) && r.is("create", "jobs"),
                    10_000,
                    FaultyApiServer.status(403));
            s.client
                    .resource(
                            s.smallJob("denied", "denied-model", "pvc://corpus/denied-in/", "pvc://corpus/denied-out/"))
                    .create();

            Condition ready = await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> readyOf(s.job("denied")), c -> c != null && "Forbidden".equals(c.getReason()));
            assertEquals("False", ready.getStatus());
            assertTrue(
                    ready.getMessage().startsWith("the operator's role lacks create on jobs.batch in namespace test"),
                    ready.getMessage());
            assertEquals(JobPhase.Planning, s.job("denied").getStatus().getPhase());
            await().atMost(Duration.ofSeconds(40)).until(() -> refused.get() >= 2); // tried again
            List<Event> warnings = s.client.v1().events().inNamespace(Scenario.NS).list().getItems().stream()
                    .filter(e -> "denied".equals(e.getInvolvedObject().getName()) && "Forbidden".equals(e.getReason()))
                    .toList();
            assertEquals(1, warnings.size(), "one Event for the refusal, not one per try: " + warnings);
            assertEquals("Warning", warnings.get(0).getType());
            assertTrue(
                    warnings.get(0).getMessage().endsWith(ready.getMessage()),
                    warnings.get(0).getMessage());

            api.clearFaults();
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> s.client
                                            .batch()
                                            .v1()
                                            .jobs()
                                            .inNamespace(Scenario.NS)
                                            .withName("denied-plan")
                                            .get()
                                    != null
                            && !"Forbidden".equals(readyOf(s.job("denied")).getReason()));
        } finally {
            api.clearFaults();
            clusterClient.close();
        }
    }

    private static Condition readyOf(RewriteJob job) {
        return job == null || job.getStatus() == null
                ? null
                : ConditionAggregator.find(job.getStatus().getConditions(), Conditions.READY);
    }
}
