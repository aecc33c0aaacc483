package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.operator.LeaderElection;
import io.palimpsest.operator.PalimpsestConfig;
import io.palimpsest.operator.job.RewriteJobReconciler;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Two operator instances on one cluster, one Lease: only the leader acts; the leader dies in the
 * middle of a campaign and the other takes over within the lease duration; the job completes with
 * one planner Job and one worker Job and status totals equal to the receipt sums.
 * <p>
 * Instance A is the Quarkus app itself, with leader election on through the production
 * {@link LeaderElection} bean (this profile activates it for the test profile, with durations cut
 * to 4 s / 3 s / 0.5 s). Instance B is a second JOSDK {@link Operator} in the same JVM on a client
 * of its own (its own User-Agent, so the API layer tells the two apart), running a new
 * {@link RewriteJobReconciler} wired with the app's beans and the same Lease configuration under
 * another identity; like {@link OperatorRestartScenarioTest} it brings back only the RewriteJob
 * controller, so the model has one fixed replica. "A dies" is a partition (every request of A
 * refused from that instant, the in-flight ones included) and then A's operator stopped, which
 * does not release the Lease: B must wait for it to expire, as after a SIGKILL.
 */
@Tag("slow")
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = FaultyClusterApiServer.class)
@TestProfile(LeaderElectionScenarioTest.TwoReplicas.class)
class LeaderElectionScenarioTest {

    static final int SHARDS = 16;
    static final int DOCS = 6;
    static final String LEASE = "palimpsest-operator";
    static final String TEST_AGENT = "simulated-cluster-test";
    static final String B_AGENT = "palimpsest-operator-b";

    public static class TwoReplicas extends SimulatedClusterProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("quarkus.operator-sdk.activate-leader-election-for-profiles", "test");
            config.put("palimpsest.leader-election.identity", "operator-a");
            config.put("palimpsest.leader-election.lease-namespace", Scenario.NS);
            config.put("palimpsest.leader-election.lease-duration", "4s");
            config.put("palimpsest.leader-election.renew-deadline", "3s");
            config.put("palimpsest.leader-election.retry-period", "500ms");
            config.put("palimpsest.leader-election.exit-on-stop-leading", "false");
            return config;
        }
    }

    @Inject
    KubernetesClient operatorClient;

    @Inject
    Operator quarkusOperator;

    @Inject
    PalimpsestConfig config;

    @Test
    void onlyTheLeaderActsAndTheStandbyTakesOverWithinTheLease() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        FaultyApiServer api = FaultyClusterApiServer.layer();
        Operator b = null;
        try (Scenario s = new Scenario(
                client(operatorClient, TEST_AGENT),
                PalimpsestWorkerProgram.Mode.IN_PROCESS,
                () -> SimConfig.builder().startupDelay(Duration.ofSeconds(1)).decodeStepBaseSeconds(0.01))) {
            await().atMost(Duration.ofSeconds(20)).until(() -> "operator-a".equals(holder(s.client)));
            String aAgent = api.calls(c -> c.resource().equals("leases") && c.write() && c.code() < 300)
                    .get(0)
                    .agent();

            b = standby(operatorClient, config);
            Path input = s.claim("corpus").resolve("le-in");
            SyntheticCorpus.write(input, SHARDS, DOCS, 17);
            s.createOneReplicaModel("le-model");
            RewriteJob job = s.smallJob("le", "le-model", "pvc://corpus/le-in/", "pvc://corpus/le-out/");
            job.getSpec().getWorkers().setParallelism(new IntOrString(3));

            try (OwnedJobsWatch ownedJobs = new OwnedJobsWatch(s.client, "le")) {
                s.client.resource(job).create();
                long atKill = await().atMost(Duration.ofSeconds(240))
                        .pollInterval(Duration.ofMillis(100))
                        .until(
                                () -> s.job("le"),
                                r -> r != null
                                        && r.getStatus() != null
                                        && r.getStatus().getShards() != null
                                        && r.getStatus().getShards().getSucceeded() * 100 >= 40L * SHARDS)
                        .getStatus()
                        .getShards()
                        .getSucceeded();

                // While A leads, B keeps its caches (list, watch) and only competes for the Lease.
                List<FaultyApiServer.Call> bBefore = api.calls(c -> c.agent().contains(B_AGENT));
                assertTrue(
                        bBefore.stream().anyMatch(c -> c.verb().equals("watch")),
                        "the standby watches: " + bBefore.size());
                assertEquals(
                        List.of(),
                        bBefore.stream()
                                .filter(c -> c.write() && !c.resource().equals("leases"))
                                .toList(),
                        "the standby wrote while the other instance led");
                assertTrue(
                        api.calls(c -> c.agent().equals(aAgent)
                                                && c.write()
                                                && !c.resource().equals("leases"))
                                        .size()
                                > 0,
                        "the leader acted");

                Instant killed = Instant.now();
                api.partition(aAgent);
                quarkusOperator.stop();
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> "operator-b".equals(holder(s.client)));

                RewriteJob done = s.awaitPhase("le", JobPhase.Succeeded, Duration.ofSeconds(240));
                Instant lastRenewal = api
                        .calls(c -> c.agent().equals(aAgent)
                                && c.resource().equals("leases")
                                && c.write()
                                && c.code() < 300)
                        .stream()
                        .map(FaultyApiServer.Call::at)
                        .max(Instant::compareTo)
                        .orElseThrow();
                Instant acquired = api
                        .calls(c -> c.agent().contains(B_AGENT)
                                && c.resource().equals("leases")
                                && c.write()
                                && c.code() < 300)
                        .stream()
                        .map(FaultyApiServer.Call::at)
                        .min(Instant::compareTo)
                        .orElseThrow();
                Instant firstAction =
                        api
                                .calls(c -> c.agent().contains(B_AGENT)
                                        && c.write()
                                        && !c.resource().equals("leases"))
                                .stream()
                                .map(FaultyApiServer.Call::at)
                                .min(Instant::compareTo)
                                .orElseThrow();
                assertFalse(firstAction.isBefore(acquired), "the standby acted before it held the Lease");
                assertTrue(
                        api.calls(c -> c.agent().equals(aAgent)
                                        && c.at().isAfter(killed.plusMillis(200))
                                        && c.code() < 300)
                                .isEmpty(),
                        "the dead leader still got answers");
                double takeover = Scenario.seconds(lastRenewal, acquired);
                Duration lease = config.leaderElection().leaseDuration();
                Duration retry = config.leaderElection().retryPeriod();
                // The candidate judges expiry from when it last saw the record change (its own clock, as
                // client-go does), on polls every retryPeriod with up to 20 % jitter: it may see a renewal
                // up to one period late and notice the expiry up to one period late. One more second for
                // the shared machine's scheduling.
                double bound = (lease.toMillis() + 2 * retry.toMillis() * 1.2 + 1000) / 1000.0;
                assertTrue(
                        takeover <= bound, "takeover " + takeover + " s after the last renewal, bound " + bound + " s");

                RewriteJobStatus st = done.getStatus();
                ReceiptTotals receipts = ReceiptTotals.of(input.resolveSibling("le-out"));
                ownedJobs.assertOnePlannerAndOneWorker();
                receipts.assertStatusOf(st, SHARDS, (long) SHARDS * DOCS);

                System.out.printf(
                        "[figures] leader election, lease %s / renew %s / retry %s: standby made %d requests while "
                                + "the other led (0 writes besides the Lease); leader killed at %d/%d shards; the standby held the "
                                + "Lease %.2f s after the kill, %.2f s after the last renewal; first write %.2f s after taking it; "
                                + "Succeeded with one planner and one worker Job; status = receipts: %d shards, %d read, %d written%n",
                        lease,
                        config.leaderElection().renewDeadline(),
                        retry,
                        bBefore.size(),
                        atKill,
                        SHARDS,
                        Scenario.seconds(killed, acquired),
                        takeover,
                        Scenario.seconds(acquired, firstAction),
                        receipts.shards(),
                        receipts.read(),
                        receipts.written());
            }
        } finally {
            if (b != null) {
                b.stop();
            }
        }
    }

    private static String holder(KubernetesClient client) {
        Lease lease = client.leases().inNamespace(Scenario.NS).withName(LEASE).get();
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }

    private static KubernetesClient client(KubernetesClient like, String agent) {
        return new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(like.getConfiguration())
                        .withUserAgent(agent)
                        .build())
                .build();
    }

    /** Instance B: a JOSDK operator with the RewriteJob controller, competing for the same Lease as "operator-b". */
    private static Operator standby(KubernetesClient like, PalimpsestConfig config) throws Exception {
        KubernetesClient client = client(like, B_AGENT);
        Operator operator = new Operator(o -> o.withKubernetesClient(client)
                .withCloseClientOnStop(true)
                .withUseSSAToPatchPrimaryResource(false)
                .withSSABasedCreateUpdateMatchForDependentResources(false)
                .withLeaderElectionConfiguration(LeaderElection.configuration(config.leaderElection(), "operator-b")));
        RewriteJobReconciler fresh = Scenario.freshJobReconciler();
        operator.register(fresh);
        operator.start();
        return operator;
    }
}
