package io.palimpsest.operator.model;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.ModelPhase;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.ConditionConventions;
import io.palimpsest.operator.PrinterColumns;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A RewriterModel as {@code kubectl get} and a GitOps health check read it, from the status the running
 * operator writes: the printer columns show its phase, ready of desired replicas as a Deployment's READY does
 * ({@code 0/1}, then {@code 1/1}), and age; its
 * conditions follow metav1.Condition; and a model that stays Ready through many reconciles (each
 * write of its Deployment's status wakes it) keeps every lastTransitionTime and records no Event.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
class ModelAsKubectlShowsItTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Inject
    KubernetesClient client;

    @Test
    void aReadyModelShowsItsReplicasAndStaysQuietThroughReconciles() throws InterruptedException {
        client.resource(Models.onPvc("shown", 1, 2)).create();
        await().atMost(WAIT)
                .until(() -> deployment() != null && deployment().getSpec().getReplicas() == 1);
        RewriterModel loading =
                awaitModel(m -> Integer.valueOf(1).equals(m.getStatus().getDesiredReplicas()));
        assertEquals("0/1", columns(loading).get("Ready"), columns(loading).toString());
        // the numbers stay where clients of earlier versions read them
        assertEquals(0, loading.getStatus().getReadyReplicas());
        assertEquals(1, loading.getStatus().getDesiredReplicas());
        deploymentReady(1);
        RewriterModel ready = awaitModel(m -> m.getStatus().getPhase() == ModelPhase.Ready);
        assertConventions(ready);

        Map<String, String> columns = columns(ready);
        assertEquals("Ready", columns.get("Phase"), columns.toString());
        assertEquals("1/1", columns.get("Ready"), columns.toString());
        assertEquals(
                List.of("Phase", "Ready", "Waiting", "Jobs", "Model", "Endpoint", "Age"),
                List.copyOf(columns.keySet()),
                "one Ready column, as a Deployment has");
        assertEquals("mistralai/Mistral-7B-Instruct-v0.3", columns.get("Model"), columns.toString());
        assertNotEquals(PrinterColumns.NONE, columns.get("Endpoint"), columns.toString());
        assertNotEquals(PrinterColumns.NONE, columns.get("Age"), columns.toString());

        // Ten wake-ups over more than a second of the operator's clock (conditions' times have second precision).
        int events = events().size();
        for (int i = 0; i < 10; i++) {
            deploymentReady(1);
            Thread.sleep(250);
        }
        RewriterModel later = model();
        assertConventions(later);
        assertEquals(ModelPhase.Ready, later.getStatus().getPhase());
        assertEquals(transitions(ready), transitions(later), "no condition changed its status");
        assertEquals(events, events().size(), events().toString());

        // A spec edit that leaves the state alone: the new generation is observed, no condition transitions.
        client.resources(RewriterModel.class).withName("shown").edit(m -> {
            RewriterModelSpec.Autoscaling autoscaling = new RewriterModelSpec.Autoscaling();
            autoscaling.setPeriodSeconds(30);
            m.getSpec().setAutoscaling(autoscaling);
            return m;
        });
        RewriterModel edited = awaitModel(m -> m.getStatus().getObservedGeneration() == 2L);
        assertConventions(edited);
        assertEquals(transitions(ready), transitions(edited), "no condition changed its status");
        assertEquals(events, events().size(), events().toString());
    }

    private Map<String, String> columns(RewriterModel model) {
        return PrinterColumns.render(
                PrinterColumns.REWRITER_MODELS,
                client.getKubernetesSerialization().asJson(model),
                Instant.now());
    }

    static void assertConventions(RewriterModel model) {
        ConditionConventions.assertConventions(
                model.getMetadata().getGeneration(),
                model.getStatus().getObservedGeneration(),
                model.getStatus().getConditions());
    }

    /** The Deployment controller's report: {@code ready} replicas, written again as on every resync. */
    private void deploymentReady(int ready) {
        Deployment d = deployment();
        d.setStatus(new DeploymentStatusBuilder()
                .withReplicas(ready)
                .withReadyReplicas(ready)
                .withAvailableReplicas(ready)
                .withUpdatedReplicas(ready)
                .withObservedGeneration(d.getMetadata().getGeneration())
                .build());
        client.resource(d).updateStatus();
    }

    private Deployment deployment() {
        return client.apps().deployments().withName("shown-vllm").get();
    }

    private RewriterModel model() {
        return client.resources(RewriterModel.class).withName("shown").get();
    }

    private RewriterModel awaitModel(Predicate<RewriterModel> until) {
        await().atMost(WAIT).until(() -> {
            RewriterModel m = model();
            return m != null && m.getStatus() != null && until.test(m);
        });
        return model();
    }

    private List<Event> events() {
        return client.v1().events().list().getItems().stream()
                .filter(e -> "shown".equals(e.getInvolvedObject().getName()))
                .toList();
    }

    private static Map<String, String> transitions(RewriterModel model) {
        return model.getStatus().getConditions().stream()
                .collect(Collectors.toMap(Condition::getType, Condition::getLastTransitionTime));
    }
}
