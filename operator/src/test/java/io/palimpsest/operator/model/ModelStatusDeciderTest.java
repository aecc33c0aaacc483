package io.palimpsest.operator.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.v1alpha1.ModelPhase;
import io.palimpsest.api.v1alpha1.ModelReason;
import io.palimpsest.operator.model.autoscale.EndpointHealth;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelStatusDeciderTest {

    @ParameterizedTest(name = "weights={0} replicas={1} ready={2} desired={3} stuck={4} -> {5}")
    @CsvSource({
        "Downloading, 0, 0, 1, false, Loading,      false, true,  false",
        "Failed,      0, 0, 1, false, Failed,       false, false, true",
        "Ready,       0, 0, 0, false, ScaledToZero, false, false, false",
        "NotNeeded,   0, 0, 0, false, ScaledToZero, false, false, false",
        "Ready,       1, 0, 1, false, Loading,      false, true,  false",
        "Ready,       1, 0, 1, true,  Degraded,     false, true,  true",
        "Ready,       2, 2, 2, false, Ready,        true,  false, false",
        "Ready,       3, 2, 3, false, Ready,        true,  true,  false",
        "Ready,       3, 1, 3, true,  Degraded,     true,  true,  true",
        // scaling down: pods still terminating
        "NotNeeded,   2, 2, 0, false, Ready,        true,  true,  false",
    })
    void deployedModel(
            WeightsState weights,
            int replicas,
            int ready,
            int desired,
            boolean stuck,
            ModelPhase phase,
            boolean readyCond,
            boolean progressing,
            boolean degraded) {
        ModelStatusDecider.Decision d = ModelStatusDecider.decide(
                new ModelObservation(false, null, weights, replicas, ready, desired, stuck, null));
        assertEquals(phase, d.phase());
        assertEquals(readyCond, d.ready().status(), "Ready");
        assertEquals(progressing, d.progressing().status(), "Progressing");
        assertEquals(degraded, d.degraded().status(), "Degraded");
    }

    @ParameterizedTest(name = "weights={0} replicas={1} ready={2} desired={3} stuck={4} -> Reconciling={5} Stalled={6}")
    @CsvSource({
        "Downloading, 0, 0, 1, false, true,  false",
        "Failed,      0, 0, 1, false, false, true",
        "Ready,       0, 0, 0, false, false, false", // scaled to zero and settled: Current
        "Ready,       1, 0, 1, false, true,  false", // loading
        "Ready,       1, 0, 1, true,  false, true", // rollout stuck
        "Ready,       2, 2, 2, false, false, false", // ready: Current
        "Ready,       3, 2, 3, false, true,  false", // scaling up
        "Ready,       3, 1, 3, true,  false, true",
        "NotNeeded,   2, 2, 0, false, true,  false", // scaling down
    })
    void kstatusConditions(
            WeightsState weights,
            int replicas,
            int ready,
            int desired,
            boolean stuck,
            boolean reconciling,
            boolean stalled) {
        ModelStatusDecider.Kstatus k = ModelStatusDecider.kstatus(ModelStatusDecider.decide(
                new ModelObservation(false, null, weights, replicas, ready, desired, stuck, null)));
        assertEquals(reconciling, k.reconciling().status(), "Reconciling");
        assertEquals(stalled, k.stalled().status(), "Stalled");
        if (stalled) {
            assertEquals(false, k.stalled().message().isEmpty(), "a stalled model says why");
        }
    }

    @ParameterizedTest(name = "external: checked={0} healthy={1} -> Reconciling={2} Stalled={3}")
    @CsvSource({
        "false, false, true,  false",
        "true,  true,  false, false",
        "true,  false, false, true",
    })
    void kstatusOfExternalEndpoints(boolean checked, boolean healthy, boolean reconciling, boolean stalled) {
        EndpointHealth health =
                checked ? new EndpointHealth(healthy, healthy ? "/health 200" : "refused", Instant.EPOCH) : null;
        ModelStatusDecider.Kstatus k = ModelStatusDecider.kstatus(ModelStatusDecider.decide(
                new ModelObservation(true, health, WeightsState.NotNeeded, 0, 0, 0, false, null)));
        assertEquals(reconciling, k.reconciling().status(), "Reconciling");
        assertEquals(stalled, k.stalled().status(), "Stalled");
    }

    @ParameterizedTest(name = "checked={0} healthy={1} -> {2}")
    @CsvSource({
        "false, false, Pending,  EndpointNotCheckedYet",
        "true,  true,  Ready,    EndpointHealthy",
        "true,  false, Degraded, EndpointUnhealthy",
    })
    void externalEndpoint(boolean checked, boolean healthy, ModelPhase phase, ModelReason reason) {
        EndpointHealth h = checked ? new EndpointHealth(healthy, "", Instant.EPOCH) : null;
        ModelStatusDecider.Decision d =
                ModelStatusDecider.decide(new ModelObservation(true, h, WeightsState.NotNeeded, 0, 0, 0, false, null));
        assertEquals(phase, d.phase());
        assertEquals(reason, d.ready().reason());
    }

    /**
     * The download Job's name hashes only the source and an existing Job is never updated: the message
     * says to delete the Job (named, with its namespace) after fixing the credentials, not to edit the spec.
     */
    @Test
    void aFailedDownloadNamesTheJobToDeleteToRunItAgain() {
        ModelStatusDecider.Decision d = ModelStatusDecider.decide(new ModelObservation(
                false,
                null,
                WeightsState.Failed,
                0,
                0,
                1,
                false,
                null,
                null,
                "mistral-download-1a2b3c4d",
                "models",
                null));
        assertEquals(ModelReason.WeightDownloadFailed, d.degraded().reason());
        String message = d.degraded().message();
        assertTrue(message.startsWith("the weight download Job mistral-download-1a2b3c4d failed"), message);
        assertTrue(
                message.contains("run it again with `kubectl delete job mistral-download-1a2b3c4d -n models`"),
                message);
        assertTrue(message.contains("a new source (repo, revision or S3 URI) makes a new download Job"), message);
        assertFalse(message.contains("edit the spec"), message);
        assertEquals(message, d.ready().message());
    }
}
