package io.palimpsest.operator.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A model's Deployment read as kubectl rollout status reads it; -1 stands for a field the status leaves out. */
class DeploymentRolloutTest {

    @ParameterizedTest(name = "generation {0}, observed {1}, spec.replicas {2}, replicas {3}, updated {4} -> {5}")
    @CsvSource(
            delimiter = '|',
            value = {
                // every replica on the current template
                "2 | 2 | 3 | 3 | 3 | ",
                // mid-rollout: the counts may look settled, some replicas run the old template
                "2 | 2 | 3 | 3 | 1 | rolling out a new pod template: 1 of 3 replicas run it",
                "2 | 2 | 3 | 2 | -1 | rolling out a new pod template: 0 of 2 replicas run it",
                // an old pod still terminating past the new ones
                "2 | 2 | 1 | 2 | 1 | rolling out a new pod template: 1 of 2 replicas run it",
                // not taken yet with the same count asked: the template (or another field) changed
                "3 | 2 | 3 | 3 | 3 | rolling out a new pod template: the Deployment controller has not taken it yet",
                // not taken yet with another count: a scale, which the counts show
                "3 | 2 | 4 | 3 | 3 | ",
                // at zero, nothing to roll
                "2 | 2 | 0 | 0 | -1 | ",
                // no controller wrote this status (a test's hand-made one): nothing to read
                "2 | -1 | 3 | 3 | 1 | ",
            })
    void rollout(long generation, long observed, int wanted, int replicas, int updated, String expected) {
        Deployment d = new DeploymentBuilder()
                .withNewMetadata()
                .withName("m-vllm")
                .withGeneration(generation)
                .endMetadata()
                .withNewSpec()
                .withReplicas(wanted)
                .endSpec()
                .withNewStatus()
                .withObservedGeneration(observed < 0 ? null : observed)
                .withReplicas(replicas)
                .withUpdatedReplicas(updated < 0 ? null : updated)
                .endStatus()
                .build();
        assertEquals(expected, DeploymentRollout.of(d));
    }

    @Test
    void noDeploymentOrNoStatusNoRollout() {
        assertNull(DeploymentRollout.of(new DeploymentBuilder()
                .withNewMetadata()
                .withName("m-vllm")
                .endMetadata()
                .build()));
        assertNull(DeploymentRollout.of(null));
    }
}
