package io.palimpsest.operator.model.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.palimpsest.operator.model.Models;
import org.junit.jupiter.api.Test;

class VllmDrainTest {

    @Test
    void aReplicaBeingRemovedHasFiveMinutesToFinishItsRequests() {
        PodSpec pod = VllmDeployment.render(Models.huggingFace("x"), 1, RenderSettings.defaults())
                .getSpec()
                .getTemplate()
                .getSpec();
        assertEquals(
                300L,
                pod.getTerminationGracePeriodSeconds(),
                "beyond the kubelet's default 30 s, which would cut long generations");
        assertFalse(
                pod.getContainers().get(0).getArgs().contains("--shutdown-timeout"),
                "vLLM 0.11, the default image, refuses the flag; its HTTP server drains on SIGTERM by itself");
    }
}
