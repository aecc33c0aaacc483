package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.model.KedaCrd;
import io.palimpsest.operator.model.resources.KedaScaledObject;
import io.palimpsest.sim.Fault;
import io.palimpsest.sim.FaultConfig;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The operator in namespaced mode (watching {@code test} only, as the chart's
 * {@code operator.watchNamespaces} configures it), with leader election on, runs a job to the end
 * and has it deleted; a second job's shard runs out of attempts while its next pod already runs, and
 * the operator deletes that pod (workers run as subprocesses, so the attempt killed gets a real
 * SIGKILL). Every request it makes is recorded by the API layer:
 * <ul>
 * <li>none may be cluster-wide (a namespaced install has Roles only; a cluster-wide list or watch
 *     would be refused and the informer would never sync);</li>
 * <li>the permissions they need, as {@code group resource verb} lines, are written to
 *     {@code target/rbac/used.txt}; {@code helm/test/run.sh} compares them with the Roles and
 *     ClusterRole {@code helm template} renders, so the chart grants what the reconcilers use and
 *     nothing more without a reason (helm/test/rbac-extras.txt).</li>
 * </ul>
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = FaultyClusterApiServer.class)
@TestProfile(RbacFromRequestsTest.Namespaced.class)
class RbacFromRequestsTest {

    static final String CLUSTER_AGENT = "simulated-cluster";
    static final Path USED = Path.of("target/rbac/used.txt");

    public static class Namespaced extends SimulatedClusterProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("quarkus.operator-sdk.namespaces", Scenario.NS);
            // Models with replicas.min > 0 get a PodDisruptionBudget: its requests are recorded too.
            config.put("palimpsest.model.pod-disruption-budget.enabled", "true");
            // The canary searches every line the operator logs, its debug lines included.
            config.put("quarkus.log.category.\"io.palimpsest\".level", "DEBUG");
            config.put("quarkus.operator-sdk.activate-leader-election-for-profiles", "test");
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

    @Test
    void aNamespacedOperatorStaysInItsNamespaceAndItsRequestsAreTheRbacItNeeds() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        FaultyApiServer api = FaultyClusterApiServer.layer();
        try (KubernetesClient clusterClient = new KubernetesClientBuilder()
                        .withConfig(new ConfigBuilder(operatorClient.getConfiguration())
                                .withUserAgent(CLUSTER_AGENT)
                                .build())
                        .build();
                Scenario s =
                        new Scenario(clusterClient, PalimpsestWorkerProgram.Mode.SUBPROCESS, () -> SimConfig.builder()
                                .startupDelay(Duration.ofMillis(500))
                                .decodeStepBaseSeconds(0.01))) {
            Path input = s.claim("corpus").resolve("rbac-in");
            SyntheticCorpus.write(input, 3, 3, 29);
            RewriterModel model = s.load(RewriterModel.class, Path.of("../examples/quickstart/model.yaml"));
            model.getMetadata().setName("rbac-model");
            model.getSpec().getAutoscaling().setPeriodSeconds(1);
            model.getSpec().getAutoscaling().setIdleToZeroSeconds(3);
            s.client.resource(model).create();
            // A second model scaled by KEDA (installed), kept at one replica: a ScaledObject and a PodDisruptionBudget.
            KedaCrd.install(s.client);
            RewriterModel keda = s.load(RewriterModel.class, Path.of("../examples/quickstart/model.yaml"));
            keda.getMetadata().setName("rbac-keda");
            keda.getSpec().getReplicas().setMin(1);
            keda.getSpec().getAutoscaling().setMode(RewriterModelSpec.AutoscalingMode.keda);
            s.client.resource(keda).create();
            RewriteJob job = s.smallJob("rbac", "rbac-model", "pvc://corpus/rbac-in/", "pvc://corpus/rbac-out/");
            job.getSpec().getWorkers().setParallelism(new IntOrString(2));
            s.client.resource(job).create();
            s.awaitPhase("rbac", JobPhase.Succeeded, Duration.ofSeconds(180));
            // Back to zero replicas after the job (a scale-down), then both resources deleted.
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> s.model("rbac-model").getStatus() != null
                            && Integer.valueOf(0)
                                    .equals(s.model("rbac-model").getStatus().getDesiredReplicas()));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> !s.client
                                    .genericKubernetesResources(KedaScaledObject.SCALED_OBJECTS)
                                    .inNamespace(Scenario.NS)
                                    .list()
                                    .getItems()
                                    .isEmpty()
                            && !s.client
                                    .policy()
                                    .v1()
                                    .podDisruptionBudget()
                                    .inNamespace(Scenario.NS)
                                    .list()
                                    .getItems()
                                    .isEmpty());
            aRunningPodPastTheAttemptsCapIsDeleted(s, api);
            s.client.resource(s.job("rbac")).delete();
            s.client.resource(s.job("rbac-cap")).delete();
            s.client.resource(s.model("rbac-model")).delete();
            s.client.resource(s.model("rbac-keda")).delete();
            s.client.resource(s.model("rbac-cap-model")).delete();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> s.job("rbac") == null
                            && s.job("rbac-cap") == null
                            && s.model("rbac-model") == null
                            && s.model("rbac-keda") == null
                            && s.model("rbac-cap-model") == null);
            Thread.sleep(1000);
        }

        List<FaultyApiServer.Call> operator = api.calls(c -> !c.agent().contains(CLUSTER_AGENT) && !testOnly(c));
        List<String> clusterWide = operator.stream()
                .filter(c -> c.namespace() == null && !c.resource().endsWith("reviews"))
                .map(c -> c.verb() + " " + c.path())
                .distinct()
                .toList();
        assertEquals(List.of(), clusterWide, "requests outside the watched namespace");

        Set<String> used = new TreeSet<>();
        operator.stream()
                .filter(c -> !c.resource().endsWith("reviews"))
                .forEach(c ->
                        used.add((c.group().isEmpty() ? "core" : c.group()) + " " + c.rbacResource() + " " + c.verb()));
        Files.createDirectories(USED.getParent());
        Files.writeString(USED, String.join("\n", used) + "\n");
        System.out.printf(
                "[figures] RBAC from requests: %d requests by the operator in namespaced mode, 0 cluster-wide; "
                        + "%d permissions used, written to %s%n",
                operator.size(), used.size(), USED);
    }

    /**
     * The operator's one pod deletion ({@code JobDecider.DeletePod}): a shard allowed one attempt
     * fails while the operator cannot write its attempt ledger yet, so the Job controller's
     * replacement starts from the old ledger and runs. Once the ledger is written, that pod is past
     * the cap and the operator deletes it. The model holds every request, so no attempt ends by
     * itself.
     */
    private static void aRunningPodPastTheAttemptsCapIsDeleted(Scenario s, FaultyApiServer api) throws Exception {
        Path input = s.claim("corpus").resolve("rbac-cap-in");
        SyntheticCorpus.write(input, 1, 3, 31);
        s.createOneReplicaModel("rbac-cap-model");
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> hangRequests(
                                s,
                                "rbac-cap-model",
                                FaultConfig.builder().rate(Fault.HANG, 1.0).build())
                        > 0);
        RewriteJob job =
                s.smallJob("rbac-cap", "rbac-cap-model", "pvc://corpus/rbac-cap-in/", "pvc://corpus/rbac-cap-out/");
        job.getSpec().getRetry().setAttemptsPerShard(1);
        job.getSpec().getWorkers().setRequestTimeoutSeconds(600);
        s.client.resource(job).create();

        Pod first = awaitRunningWorker(s, "rbac-cap", Set.of());
        // Killed (SIGKILL: a charged failure) while its requests wait on the model.
        awaitHeldRequests(s, "rbac-cap-model", 1);
        Predicate<FaultyApiServer.Request> ledgerWrite =
                r -> !r.agent().contains(CLUSTER_AGENT) && r.is("update", "configmaps");
        // A conflict, which the client does not retry by itself (it retries a 500 with the body it
        // built, closing time included): the operator writes the ledger again once the fault is off.
        AtomicInteger heldBack = api.inject(ledgerWrite, 10_000, FaultyApiServer.status(409));
        assertTrue(s.cluster.kubelet().kill(Scenario.NS, first.getMetadata().getName()), "killed the first attempt");
        Pod replacement =
                awaitRunningWorker(s, "rbac-cap", Set.of(first.getMetadata().getName()));
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> "Running"
                        .equals(s.client
                                .pods()
                                .inNamespace(Scenario.NS)
                                .withName(replacement.getMetadata().getName())
                                .get()
                                .getStatus()
                                .getPhase()));
        api.clearFaults();
        assertTrue(heldBack.get() > 0, "the ledger write was held back");

        try {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> !api.calls(c -> !c.agent().contains(CLUSTER_AGENT)
                                    && c.verb().equals("delete")
                                    && c.resource().equals("pods")
                                    && replacement.getMetadata().getName().equals(c.name()))
                            .isEmpty());
        } catch (RuntimeException e) {
            System.out.println("---- the operator's ConfigMap and pod writes");
            api.calls(c -> !c.agent().contains(CLUSTER_AGENT)
                            && c.write()
                            && (c.resource().equals("configmaps")
                                    || c.resource().equals("pods")))
                    .forEach(c -> System.out.println(c.at() + " " + c.verb() + " " + c.path() + " " + c.code()));
            System.out.println("---- worker pods (the replacement is "
                    + replacement.getMetadata().getName() + ")");
            PoisonShardScenarioTest.workerPods(s, "rbac-cap")
                    .forEach(p -> System.out.println(p.getMetadata().getName() + " created "
                            + p.getMetadata().getCreationTimestamp() + " "
                            + p.getStatus().getPhase()));
            System.out.println(
                    "---- events of the last 60 s\n" + s.cluster.events().dump(Duration.ofSeconds(60)));
            throw e;
        }
        hangRequests(s, "rbac-cap-model", FaultConfig.none());
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> s.job("rbac-cap"),
                        j -> j.getStatus() != null
                                && j.getStatus().getPhase() != null
                                && j.getStatus().getPhase().isTerminal());
    }

    /** Waits until the model's replicas have received at least {@code count} completion requests. */
    private static void awaitHeldRequests(Scenario s, String model, int count) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> s.models.servers().entrySet().stream()
                                .filter(e -> e.getKey().startsWith(Scenario.NS + "/" + model + "-vllm-"))
                                .mapToInt(e ->
                                        e.getValue().requestLog().completions().size())
                                .sum(),
                        n -> n >= count);
    }

    /** Sets {@code faults} on the model's running replicas; returns how many. */
    private static int hangRequests(Scenario s, String model, FaultConfig faults) {
        int replicas = 0;
        for (var e : s.models.servers().entrySet()) {
            if (e.getKey().startsWith(Scenario.NS + "/" + model + "-vllm-")) {
                e.getValue().setFaults(faults);
                replicas++;
            }
        }
        return replicas;
    }

    /** A running worker pod of the job, other than {@code seen}. */
    private static Pod awaitRunningWorker(Scenario s, String job, Set<String> seen) {
        try {
            return awaitRunning(s, job, seen);
        } catch (RuntimeException e) {
            System.out.println(
                    "---- events of the last 120 s\n" + s.cluster.events().dump(Duration.ofSeconds(120)));
            throw e;
        }
    }

    private static Pod awaitRunning(Scenario s, String job, Set<String> seen) {
        return await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> PoisonShardScenarioTest.workerPods(s, job).stream()
                                .filter(p -> !seen.contains(p.getMetadata().getName()))
                                .filter(p -> s.cluster
                                        .kubelet()
                                        .runningPods()
                                        .contains(Scenario.NS + "/"
                                                + p.getMetadata().getName()))
                                .findFirst()
                                .orElse(null),
                        p -> p != null);
    }

    /**
     * Requests only the test profile makes: it applies the CRDs at start (prod does not: Helm
     * installs them), and the JOSDK version check reads them.
     */
    private static boolean testOnly(FaultyApiServer.Call c) {
        return c.group().equals("apiextensions.k8s.io");
    }
}
