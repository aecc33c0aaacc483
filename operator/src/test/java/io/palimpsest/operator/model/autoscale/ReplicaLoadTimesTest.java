package io.palimpsest.operator.model.autoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.palimpsest.operator.model.ModelNames;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReplicaLoadTimesTest {

    private static Pod pod(String uid, String model, String created, String readyStatus, String readyAt, int restarts) {
        return new PodBuilder()
                .withNewMetadata()
                .withNamespace("ns")
                .withUid(uid)
                .withCreationTimestamp(created)
                .addToLabels(ModelNames.MODEL_LABEL, model)
                .endMetadata()
                .withNewStatus()
                .addNewCondition()
                .withType("Ready")
                .withStatus(readyStatus)
                .withLastTransitionTime(readyAt)
                .endCondition()
                .addNewContainerStatus()
                .withName("vllm")
                .withRestartCount(restarts)
                .endContainerStatus()
                .endStatus()
                .build();
    }

    @Test
    void aPodsLoadIsItsCreationToReadyAndOnlyAReadyUnrestartedPodHasOne() {
        assertEquals(
                Optional.of(95.0),
                ReplicaLoadTimes.loadSeconds(pod("a", "m", "2026-01-01T00:00:00Z", "True", "2026-01-01T00:01:35Z", 0)));
        assertEquals(
                Optional.empty(),
                ReplicaLoadTimes.loadSeconds(pod("a", "m", "2026-01-01T00:00:00Z", "False", "2026-01-01T00:01:35Z", 0)),
                "still loading");
        assertEquals(
                Optional.empty(),
                ReplicaLoadTimes.loadSeconds(pod("a", "m", "2026-01-01T00:00:00Z", "True", "2026-01-01T00:31:35Z", 1)),
                "restarted: its Ready time is the restart's");
    }

    @Test
    void theMedianOfTheModelsLastPodsOutlivesThem() {
        ReplicaLoadTimes times = new ReplicaLoadTimes();
        assertEquals(Optional.empty(), times.of("ns", "m"), "no pod seen: not known");
        times.observe(pod("a", "m", "2026-01-01T00:00:00Z", "True", "2026-01-01T00:01:00Z", 0));
        times.observe(pod("b", "m", "2026-01-01T00:10:00Z", "True", "2026-01-01T00:12:00Z", 0));
        times.observe(pod("c", "m", "2026-01-01T00:20:00Z", "True", "2026-01-01T00:29:00Z", 0));
        // seen again later (a status update): counted once, with its first reading
        times.observe(pod("a", "m", "2026-01-01T00:00:00Z", "True", "2026-01-01T00:02:00Z", 0));
        times.observe(pod("x", "other", "2026-01-01T00:00:00Z", "True", "2026-01-01T00:00:05Z", 0));
        assertEquals(
                Optional.of(new ReplicaLoadTimes.Measured(120, 3)), times.of("ns", "m"), "60, 120, 540 s: the median");
        for (int i = 0; i < ReplicaLoadTimes.KEPT; i++) {
            times.observe(pod("n" + i, "m", "2026-01-02T00:00:00Z", "True", "2026-01-02T00:00:30Z", 0));
        }
        assertEquals(
                Optional.of(new ReplicaLoadTimes.Measured(30, ReplicaLoadTimes.KEPT)),
                times.of("ns", "m"),
                "only the latest pods");
    }
}
