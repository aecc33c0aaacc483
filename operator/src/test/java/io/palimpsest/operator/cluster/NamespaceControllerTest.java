package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The namespace controller on an API server that refuses a list: it does not take the refusal for an empty namespace. */
class NamespaceControllerTest {

    @Test
    void aRefusedListOfTheProjectsKindsKeepsTheNamespaceUntilTheListAnswers() {
        KubernetesMockServer server = CrudApiServer.start();
        ValidatingApiServer.install(server);
        FaultyApiServer faults = FaultyApiServer.install(server);
        try (KubernetesClient client = server.createClient();
                SimulatedCluster cluster = SimulatedCluster.builder()
                        .client(client)
                        .timeScale(0.05)
                        .namespaceLifecycle()
                        .start()) {
            client.namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName("held")
                            .endMetadata()
                            .build())
                    .create();
            // 403: the controller may not list RewriteJobs there, so it cannot know whether any is left
            faults.inject(r -> r.is("list", "rewritejobs"), Integer.MAX_VALUE, FaultyApiServer.status(403));

            client.namespaces().withName("held").delete();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> client.namespaces().withName("held").get() == null
                            || !cluster.events()
                                    .matching(e -> e.source().equals("namespace-controller")
                                            && e.message().startsWith("pass failed"))
                                    .isEmpty());
            Namespace held = client.namespaces().withName("held").get();
            assertNotNull(held, "the namespace went while what is in it could not be listed");
            assertEquals("Terminating", held.getStatus().getPhase());

            faults.clearFaults();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> client.namespaces().withName("held").get() == null);
        } finally {
            faults.close();
            server.destroy();
        }
    }
}
