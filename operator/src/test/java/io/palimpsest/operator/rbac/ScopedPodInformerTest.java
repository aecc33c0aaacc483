package io.palimpsest.operator.rbac;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.cluster.CrudApiServer;
import io.palimpsest.operator.cluster.FaultyApiServer;
import io.palimpsest.operator.model.autoscale.InformerPodAddressResolver;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A namespaced install has Roles only: the autoscaler's pod informer must list and watch pods in
 * the watched namespaces, never cluster-wide. Read from the requests the API server received.
 */
class ScopedPodInformerTest {

    @Test
    void podInformersStayInsideTheWatchedNamespaces() {
        KubernetesMockServer server = CrudApiServer.start();
        try (KubernetesClient client = server.createClient();
                FaultyApiServer api = FaultyApiServer.install(server)) {
            InformerPodAddressResolver resolver =
                    new InformerPodAddressResolver(client, Optional.of(List.of("data", "research")));
            try {
                assertEquals(List.of(), resolver.readyReplicas(model("data", "m")));
                assertEquals(List.of(), resolver.readyReplicas(model("research", "m")));
                assertEquals(List.of(), resolver.readyReplicas(model("elsewhere", "m")));
                await().until(() ->
                        api.calls(c -> c.resource().equals("pods") && c.verb().equals("watch"))
                                        .size()
                                >= 2);
                Set<String> scopes = api.calls(c -> c.resource().equals("pods")).stream()
                        .map(c -> c.verb() + " " + c.namespace())
                        .collect(Collectors.toSet());
                assertEquals(Set.of("list data", "watch data", "list research", "watch research"), scopes);
            } finally {
                resolver.close();
            }
        } finally {
            server.destroy();
        }
    }

    @Test
    void watchingEveryNamespaceUsesOneClusterWideInformer() {
        KubernetesMockServer server = CrudApiServer.start();
        try (KubernetesClient client = server.createClient();
                FaultyApiServer api = FaultyApiServer.install(server)) {
            InformerPodAddressResolver resolver = new InformerPodAddressResolver(client, Optional.empty());
            try {
                resolver.readyReplicas(model("data", "m"));
                resolver.readyReplicas(model("research", "m"));
                await().until(() -> !api.calls(
                                c -> c.resource().equals("pods") && c.verb().equals("watch"))
                        .isEmpty());
                Set<String> scopes = api.calls(c -> c.resource().equals("pods")).stream()
                        .map(c -> c.verb() + " " + c.namespace())
                        .collect(Collectors.toSet());
                assertEquals(Set.of("list null", "watch null"), scopes);
            } finally {
                resolver.close();
            }
        } finally {
            server.destroy();
        }
    }

    private static RewriterModel model(String namespace, String name) {
        RewriterModel m = new RewriterModel();
        m.setMetadata(
                new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        return m;
    }
}
