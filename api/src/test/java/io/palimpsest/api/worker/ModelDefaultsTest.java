package io.palimpsest.api.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import org.junit.jupiter.api.Test;

class ModelDefaultsTest {

    @Test
    void aModelThatSaysNothingGetsTheCrdsDefaultsInEverySection() {
        RewriterModelSpec full = ModelDefaults.of(new RewriterModelSpec());
        assertEquals(0, full.getReplicas().getMin());
        assertEquals(1, full.getReplicas().getMax());
        assertEquals(256, full.getEngine().getMaxNumSeqs());
        assertEquals(16, full.getAutoscaling().getTargetWaitingPerReplica());
        assertEquals(0, full.getAutoscaling().getScaleUpStabilizationSeconds());
        assertEquals(300, full.getAutoscaling().getScaleDownStabilizationSeconds());
        assertEquals(600, full.getAutoscaling().getIdleToZeroSeconds());
        assertEquals(15, full.getAutoscaling().getPeriodSeconds());
        assertEquals(
                full.getReplicas().getMax(),
                ModelDefaults.of(null).getReplicas().getMax(),
                "no spec at all reads the same");
    }

    @Test
    void whatAManifestSaysIsKeptAndTheManifestIsNotChanged() {
        RewriterModelSpec spec = new RewriterModelSpec();
        RewriterModelSpec.Replicas replicas = new RewriterModelSpec.Replicas();
        replicas.setMax(4);
        spec.setReplicas(replicas);
        RewriterModelSpec.Autoscaling autoscaling = new RewriterModelSpec.Autoscaling();
        autoscaling.setPeriodSeconds(3);
        spec.setAutoscaling(autoscaling);

        RewriterModelSpec full = ModelDefaults.of(spec);
        assertEquals(4, full.getReplicas().getMax());
        assertEquals(0, full.getReplicas().getMin(), "a section that is there gets its other fields' defaults");
        assertEquals(3, full.getAutoscaling().getPeriodSeconds());
        assertEquals(300, full.getAutoscaling().getScaleDownStabilizationSeconds());
        assertNull(spec.getEngine(), "the manifest's spec is not filled in");
        assertNull(spec.getReplicas().getMin());
    }

    @Test
    void theOperatedFleetIsOneReplicaWithoutAReplicasSectionAndNoneBehindAnExternalEndpoint() {
        assertEquals(1, ModelDefaults.operatedMaxReplicas(new RewriterModelSpec()));
        RewriterModelSpec external = new RewriterModelSpec();
        RewriterModelSpec.ExternalEndpoint endpoint = new RewriterModelSpec.ExternalEndpoint();
        endpoint.setUrl("https://api.example.com/v1");
        external.setEndpoint(endpoint);
        assertNull(ModelDefaults.operatedMaxReplicas(external), "not the operator's fleet");
        RewriterModelSpec.Replicas four = new RewriterModelSpec.Replicas();
        four.setMax(4);
        external.setReplicas(four);
        assertEquals(4, ModelDefaults.operatedMaxReplicas(external), "an endpoint that states its replicas");
        assertNull(ModelDefaults.operatedMaxReplicas(null));
    }
}
