package io.palimpsest.operator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.palimpsest.api.v1alpha1.ModelPhase;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A model the operator runs has replica and queue series; a model with an external endpoint has
 * none (a replicas_ready of 0 would fire ModelAtZeroWithPendingWork while its jobs run), only its
 * reconcile counts and phase.
 */
class ModelMetricsTest {
    static final List<String> OPERATED = List.of(
            "palimpsest.model.replicas.desired",
            "palimpsest.model.replicas.ready",
            "palimpsest.model.queue.waiting",
            "palimpsest.model.queue.running",
            "palimpsest.model.scrape.failures");

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final ModelMetrics metrics = new ModelMetrics(registry);

    @Test
    void anExternalModelHasNoReplicaOrQueueSeries() {
        ResourceID external = new ResourceID("external", "data");
        metrics.reconciled(external, false);
        metrics.phase(external, ModelPhase.Ready);

        for (String name : OPERATED) {
            assertNull(registry.find(name).tag("model", "external").meter(), name);
        }
        assertEquals(
                1.0,
                registry.get("palimpsest.model.reconciles")
                        .tag("model", "external")
                        .counter()
                        .count());
        assertEquals(
                1.0,
                registry.get("palimpsest.model.phase")
                        .tags("model", "external", "phase", "Ready")
                        .gauge()
                        .value());
    }

    @Test
    void anOperatedModelHasThemFromItsFirstReconcile() {
        ResourceID deployed = new ResourceID("deployed", "data");
        metrics.reconciled(deployed, true);

        for (String name : OPERATED) {
            assertNotNull(registry.find(name).tag("model", "deployed").meter(), name);
        }
        assertEquals(
                0.0,
                registry.get("palimpsest.model.replicas.ready")
                        .tag("model", "deployed")
                        .gauge()
                        .value());
        metrics.replicas(deployed, 2, 1);
        assertEquals(
                1.0,
                registry.get("palimpsest.model.replicas.ready")
                        .tag("model", "deployed")
                        .gauge()
                        .value());
    }

    @Test
    void aModelSwitchedToAnExternalEndpointLosesThemAndASwitchBackStartsAtZero() {
        ResourceID model = new ResourceID("switched", "data");
        metrics.reconciled(model, true);
        metrics.replicas(model, 2, 2);
        metrics.queue(model, 5, 7);

        metrics.reconciled(model, false);
        for (String name : OPERATED) {
            assertNull(registry.find(name).tag("model", "switched").meter(), name);
        }
        assertNotNull(registry.find("palimpsest.model.reconciles")
                .tag("model", "switched")
                .meter());

        metrics.reconciled(model, true);
        assertEquals(
                0.0,
                registry.get("palimpsest.model.replicas.ready")
                        .tag("model", "switched")
                        .gauge()
                        .value());
        assertEquals(
                0.0,
                registry.get("palimpsest.model.queue.waiting")
                        .tag("model", "switched")
                        .gauge()
                        .value());
    }

    @Test
    void aDeletedModelLeavesNoSeries() {
        ResourceID model = new ResourceID("gone", "data");
        metrics.reconciled(model, true);
        metrics.phase(model, ModelPhase.Ready);
        metrics.forget(model);
        assertEquals(
                List.of(),
                registry.getMeters().stream()
                        .filter(m -> "gone".equals(m.getId().getTag("model")))
                        .toList());
    }
}
