package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Foreground deletion through the garbage collector (owner -> Job -> pod: each waits for its
 * dependents, the pod gets SIGTERM), and a namespace deleted with its content.
 */
class DeletionSemanticsTest {

    private static final String NS = "del";
    private static SimulatedCluster cluster;
    private static KubernetesClient client;
    private static final CountDownLatch NEVER = new CountDownLatch(1);

    @BeforeAll
    static void start() {
        cluster = SimulatedCluster.builder()
                .timeScale(0.05)
                .namespaceLifecycle()
                .programs(p -> p.add("sleeper", ProgramCatalog.imageContains("sleeper"), new ScriptedProgram(l -> {
                    NEVER.await(); // until SIGTERM
                    return 0;
                })))
                .start();
        client = cluster.client();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aForegroundDeleteWaitsForTheDependentsThenGoes() {
        ConfigMap parent = client.configMaps()
                .inNamespace(NS)
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("parent")
                        .endMetadata()
                        .build())
                .create();
        OwnerReference ref = new OwnerReferenceBuilder()
                .withApiVersion("v1")
                .withKind("ConfigMap")
                .withName("parent")
                .withUid(parent.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
        client.batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .resource(new JobBuilder()
                        .withNewMetadata()
                        .withName("child")
                        .withOwnerReferences(ref)
                        .endMetadata()
                        .withNewSpec()
                        .withParallelism(1)
                        .withCompletions(1)
                        .withNewTemplate()
                        .withNewSpec()
                        .withRestartPolicy("Never")
                        .addNewContainer()
                        .withName("main")
                        .withImage("sleeper:1")
                        .endContainer()
                        .endSpec()
                        .endTemplate()
                        .endSpec()
                        .build())
                .create();
        client.configMaps()
                .inNamespace(NS)
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("child-config")
                        .withOwnerReferences(ref)
                        .endMetadata()
                        .build())
                .create();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> cluster.kubelet().runningPods().stream().anyMatch(p -> p.startsWith(NS + "/child-")));

        client.configMaps()
                .inNamespace(NS)
                .withName("parent")
                .withPropagationPolicy(DeletionPropagation.FOREGROUND)
                .delete();
        ConfigMap marked =
                client.configMaps().inNamespace(NS).withName("parent").get();
        assertNotNull(marked, "a foreground delete keeps the owner while a dependent exists");
        assertNotNull(marked.getMetadata().getDeletionTimestamp());
        assertTrue(marked.getMetadata().getFinalizers().contains(ValidatingApiServer.FOREGROUND_FINALIZER));

        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        client.configMaps().inNamespace(NS).withName("parent").get() == null);
        assertEquals(
                null,
                client.batch().v1().jobs().inNamespace(NS).withName("child").get(),
                "the dependent Job went first");
        assertEquals(
                null,
                client.configMaps().inNamespace(NS).withName("child-config").get(),
                "and the dependent ConfigMap");
        assertTrue(
                client.pods().inNamespace(NS).list().getItems().stream()
                        .noneMatch(p -> p.getMetadata().getName().startsWith("child-")),
                "and its pod before it");
        assertEquals(
                1,
                cluster.events()
                        .matching(e -> e.object().startsWith(NS + "/child-")
                                && e.message().equals("SIGTERM"))
                        .size(),
                "the Job's pod was deleted gracefully (SIGTERM)");
    }

    @Test
    void aDeletedNamespaceRefusesNewContentAndGoesOnceEmpty() {
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName("doomed")
                        .endMetadata()
                        .build())
                .create();
        client.configMaps()
                .inNamespace("doomed")
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("c")
                        .endMetadata()
                        .build())
                .create();
        client.pods()
                .inNamespace("doomed")
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withName("p")
                        .endMetadata()
                        .withNewSpec()
                        .withRestartPolicy("Never")
                        .addNewContainer()
                        .withName("main")
                        .withImage("sleeper:1")
                        .endContainer()
                        .endSpec()
                        .build())
                .create();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> cluster.kubelet().runningPods().contains("doomed/p"));

        client.namespaces().withName("doomed").delete();
        Namespace terminating = client.namespaces().withName("doomed").get();
        assertNotNull(terminating, "the namespace stays while it has content");
        assertEquals("Terminating", terminating.getStatus().getPhase());
        KubernetesClientException refused = assertThrows(KubernetesClientException.class, () -> client.configMaps()
                .inNamespace("doomed")
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("late")
                        .endMetadata()
                        .build())
                .create());
        assertEquals(403, refused.getCode());
        assertTrue(
                refused.getMessage()
                        .contains("unable to create new content in namespace doomed because it is being terminated"),
                refused.getMessage());

        await().atMost(Duration.ofSeconds(30))
                .until(() -> client.namespaces().withName("doomed").get() == null);
        assertTrue(client.configMaps().inNamespace("doomed").list().getItems().isEmpty());
        assertTrue(client.pods().inNamespace("doomed").list().getItems().isEmpty());
        assertEquals(
                1,
                cluster.events()
                        .matching(e ->
                                e.object().equals("doomed/p") && e.message().equals("SIGTERM"))
                        .size(),
                "the pod was deleted gracefully");
    }
}
