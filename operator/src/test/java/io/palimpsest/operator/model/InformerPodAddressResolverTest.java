package io.palimpsest.operator.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.palimpsest.operator.model.autoscale.InformerPodAddressResolver;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class InformerPodAddressResolverTest {

    private static Pod pod(String ns, String model, String ip, boolean ready, boolean deleting) {
        PodBuilder b = new PodBuilder()
                .withNewMetadata()
                .withName(model + "-" + ip)
                .withNamespace(ns)
                .addToLabels(ModelNames.MODEL_LABEL, model)
                .endMetadata()
                .withNewStatus()
                .withPodIP(ip)
                .addNewCondition()
                .withType("Ready")
                .withStatus(ready ? "True" : "False")
                .endCondition()
                .endStatus();
        if (deleting) {
            b.editMetadata().withDeletionTimestamp("2026-01-01T00:00:00Z").endMetadata();
        }
        return b.build();
    }

    @Test
    void onlyReadyLivePodsOfThisModelAndNamespace() {
        List<Pod> pods = List.of(
                pod("test", "m", "10.0.0.1", true, false),
                pod("test", "m", "10.0.0.2", false, false),
                pod("test", "m", "10.0.0.3", true, true),
                pod("other", "m", "10.0.0.4", true, false),
                pod("test", "n", "10.0.0.5", true, false),
                pod("test", "m", "fd00::6", true, false));
        assertEquals(
                List.of(URI.create("http://10.0.0.1:8000"), URI.create("http://[fd00::6]:8000")),
                InformerPodAddressResolver.readyAddresses(pods, Models.onPvc("m", 0, 1)));
    }
}
