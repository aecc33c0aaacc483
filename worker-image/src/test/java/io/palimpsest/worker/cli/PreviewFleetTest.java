package io.palimpsest.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import org.junit.jupiter.api.Test;

/** The fleet a preview prices: the same replicas the operator would run for the model. */
class PreviewFleetTest {

    @Test
    void aModelWithoutAReplicasSectionIsOneReplicaAsOnTheCluster() {
        RewriterModel model = new RewriterModel();
        model.setSpec(new RewriterModelSpec());
        assertEquals(1, PreviewCommand.maxReplicas(model), "the CRD's default, as the autoscaler reads it");
        RewriterModelSpec.Replicas four = new RewriterModelSpec.Replicas();
        four.setMax(4);
        model.getSpec().setReplicas(four);
        assertEquals(4, PreviewCommand.maxReplicas(model));
    }

    @Test
    void anExternalEndpointThatStatesNoReplicasHasNoFleetToPrice() {
        RewriterModel model = new RewriterModel();
        model.setSpec(new RewriterModelSpec());
        model.getSpec().setEndpoint(new RewriterModelSpec.ExternalEndpoint());
        assertNull(PreviewCommand.maxReplicas(model));
        assertNull(PreviewCommand.maxReplicas(null));
    }
}
