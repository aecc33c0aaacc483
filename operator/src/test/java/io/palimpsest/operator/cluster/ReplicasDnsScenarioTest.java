package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.operator.model.ModelNames;
import io.palimpsest.sim.OutageMode;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A RewriterModel's replicas by name, as a worker in the cluster finds them to place each request on
 * the shortest queue: the operator's headless Service, whose name (the host of job.yaml's
 * {@code model.replicas}) answers with the ready replicas' addresses and drops one that turns not ready.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class ReplicasDnsScenarioTest {

    @Inject
    KubernetesClient operatorClient;

    @Test
    void theReplicasNameAnswersWithEveryReadyReplica() throws Exception {
        Assumptions.assumeTrue(
                ClusterDns.active(), "needs -D" + ClusterDns.HOSTS_FILE_PROPERTY + " (the module's surefire argLine)");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient),
                PalimpsestWorkerProgram.Mode.IN_PROCESS,
                () -> SimConfig.builder().zeroLatency().startupDelay(Duration.ofMillis(500)))) {
            RewriterModel model = s.load(RewriterModel.class, Path.of("../examples/quickstart/model.yaml"));
            model.getMetadata().setName("fleet");
            model.getSpec().getReplicas().setMin(2);
            model.getSpec().getReplicas().setMax(2);
            s.client.resource(model).create();

            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(
                            () -> s.model("fleet"),
                            m -> m.getStatus() != null
                                    && Integer.valueOf(2).equals(m.getStatus().getReadyReplicas()));
            List<Pod> pods = replicas(s);
            Set<String> podIps =
                    pods.stream().map(p -> p.getStatus().getPodIP()).collect(Collectors.toSet());
            assertEquals(2, podIps.size());
            String host =
                    URI.create(JobResolver.replicasUrl(s.model("fleet"), null)).getHost();
            assertEquals("fleet-vllm-replicas." + Scenario.NS + ".svc", host);
            await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> addresses(host), podIps::equals);

            Pod failing = pods.get(0);
            s.models
                    .server(Scenario.NS, failing.getMetadata().getName())
                    .beginOutage(OutageMode.REFUSE_CONNECTIONS, null);
            Set<String> rest = Set.of(pods.get(1).getStatus().getPodIP());
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> addresses(host), rest::equals);
            s.models.server(Scenario.NS, failing.getMetadata().getName()).endOutage();
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> addresses(host), podIps::equals);
        }
    }

    private static List<Pod> replicas(Scenario s) {
        return s
                .client
                .pods()
                .inNamespace(Scenario.NS)
                .withLabel(ModelNames.MODEL_LABEL, "fleet")
                .withLabel(ModelNames.COMPONENT_LABEL, ModelNames.COMPONENT_SERVER)
                .list()
                .getItems()
                .stream()
                .filter(p -> p.getStatus() != null && p.getStatus().getPodIP() != null)
                .toList();
    }

    private static Set<String> addresses(String host) throws UnknownHostException {
        return Arrays.stream(InetAddress.getAllByName(host))
                .map(InetAddress::getHostAddress)
                .collect(Collectors.toSet());
    }
}
