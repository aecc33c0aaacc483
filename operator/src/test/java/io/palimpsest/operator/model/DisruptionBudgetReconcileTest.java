package io.palimpsest.operator.model;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With the chart's model.podDisruptionBudget.enabled: a budget for models that keep replicas, owned by the model. */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(DisruptionBudgetReconcileTest.BudgetsEnabled.class)
class DisruptionBudgetReconcileTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    public static class BudgetsEnabled implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "palimpsest.model.pod-disruption-budget.enabled",
                    "true",
                    "palimpsest.model.pod-disruption-budget.max-unavailable",
                    "1");
        }
    }

    @Inject
    KubernetesClient client;

    @Test
    void budgetFollowsReplicasMin() {
        RewriterModel kept = client.resource(Models.onPvc("kept", 1, 3)).create();
        PodDisruptionBudget budget = await().atMost(WAIT)
                .until(
                        () -> client.policy()
                                .v1()
                                .podDisruptionBudget()
                                .withName("kept-vllm")
                                .get(),
                        b -> b != null);
        assertEquals(1, budget.getSpec().getMaxUnavailable().getIntVal());
        OwnerReference owner = budget.getMetadata().getOwnerReferences().get(0);
        assertEquals("RewriterModel", owner.getKind());
        assertEquals(kept.getMetadata().getUid(), owner.getUid());
        assertTrue(owner.getController());

        client.resource(Models.onPvc("idle", 0, 3)).create();
        await().atMost(WAIT)
                .until(() -> client.apps().deployments().withName("idle-vllm").get() != null);
        assertNull(
                client.policy().v1().podDisruptionBudget().withName("idle-vllm").get(),
                "a model that scales to zero has no budget");

        // Scaling to zero later removes the budget.
        client.resources(RewriterModel.class).withName("kept").edit(m -> {
            m.getSpec().getReplicas().setMin(0);
            return m;
        });
        await().atMost(WAIT)
                .until(() -> client.policy()
                                .v1()
                                .podDisruptionBudget()
                                .withName("kept-vllm")
                                .get()
                        == null);
    }

    /** A model switched to an external endpoint keeps no replica: its budget goes with its Deployment. */
    @Test
    void switchingToAnExternalEndpointDeletesTheBudget() {
        client.resource(Models.onPvc("switched", 1, 3)).create();
        await().atMost(WAIT)
                .until(() -> client.policy()
                                .v1()
                                .podDisruptionBudget()
                                .withName("switched-vllm")
                                .get()
                        != null);

        // (an edit races the operator's status writes: tried again on a conflict)
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            client.resources(RewriterModel.class).withName("switched").edit(m -> {
                RewriterModelSpec.ExternalEndpoint endpoint = new RewriterModelSpec.ExternalEndpoint();
                endpoint.setUrl("http://127.0.0.1:9/v1");
                m.getSpec().setEndpoint(endpoint);
                m.getSpec().setSource(null);
                m.getSpec().setModel(null);
                return m;
            });
            return true;
        });
        await().atMost(WAIT)
                .until(() ->
                        client.apps().deployments().withName("switched-vllm").get() == null);
        await().atMost(WAIT)
                .until(() -> client.policy()
                                .v1()
                                .podDisruptionBudget()
                                .withName("switched-vllm")
                                .get()
                        == null);
    }
}
