package io.palimpsest.operator.pods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.palimpsest.operator.job.RewriteJobNames;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StuckPodsTest {

    @Test
    void anImageThatCannotBePulledIsOneCauseWhicheverWordTheKubeletUses() {
        Pod backOff = pod(
                "rs-plan-x",
                "plan",
                "2026-12-05T12:00:00Z",
                waiting("ImagePullBackOff", "Back-off pulling image \"evil:1\""));
        Pod errPull = pod(
                "rs-plan-x",
                "plan",
                "2026-12-05T12:00:00Z",
                waiting("ErrImagePull", "failed to pull image \"evil:1\": not found"));
        assertEquals(
                Optional.of(new StuckPods.Stuck(
                        "rs-plan-x",
                        "plan",
                        "ImagePullBackOff",
                        "ImagePullBackOff",
                        "Back-off pulling image \"evil:1\"")),
                StuckPods.of(backOff, RewriteJobNames.ROLE_LABEL));
        assertEquals(
                Optional.of(new StuckPods.Stuck(
                        "rs-plan-x",
                        "plan",
                        "ImagePullBackOff",
                        "ErrImagePull",
                        "failed to pull image \"evil:1\": not found")),
                StuckPods.of(errPull, RewriteJobNames.ROLE_LABEL));
        assertEquals(StuckPods.cause(backOff), StuckPods.cause(errPull));
    }

    @Test
    void aMissingSecretAClaimNoNodeHasAndAnInitContainerAreSeen() {
        assertEquals(
                "CreateContainerConfigError",
                StuckPods.cause(pod(
                        "w", "work", null, waiting("CreateContainerConfigError", "secret \"model-key\" not found"))));
        Pod unschedulable = pod("w", "work", null);
        unschedulable
                .getStatus()
                .setConditions(List.of(new PodConditionBuilder()
                        .withType("PodScheduled")
                        .withStatus("False")
                        .withReason("Unschedulable")
                        .withMessage("0/3 nodes are available: persistentvolumeclaim \"corpus\" not found.")
                        .build()));
        assertEquals(
                new StuckPods.Stuck(
                        "w",
                        "work",
                        "Unschedulable",
                        "Unschedulable",
                        "0/3 nodes are available: persistentvolumeclaim \"corpus\" not found."),
                StuckPods.of(unschedulable, RewriteJobNames.ROLE_LABEL).orElseThrow());
        Pod init = pod("w", "work", null, waiting("ContainerCreating", null));
        init.getStatus().setInitContainerStatuses(List.of(waiting("ErrImageNeverPull", "image not present")));
        assertEquals("ErrImageNeverPull", StuckPods.cause(init));
    }

    @Test
    void podsOnTheirWayRunningEndedOrDeletedAreNotStuck() {
        assertEquals(Optional.empty(), StuckPods.of(pod("w", "work", null), RewriteJobNames.ROLE_LABEL));
        assertEquals(
                Optional.empty(),
                StuckPods.of(pod("w", "work", null, waiting("ContainerCreating", null)), RewriteJobNames.ROLE_LABEL));
        assertEquals(
                Optional.empty(),
                StuckPods.of(pod("w", "work", null, waiting("PodInitializing", null)), RewriteJobNames.ROLE_LABEL));
        Pod ended = pod("w", "work", null, waiting("ImagePullBackOff", "x"));
        ended.getStatus().setPhase("Failed");
        assertEquals(Optional.empty(), StuckPods.of(ended, RewriteJobNames.ROLE_LABEL));
        Pod deleting = pod("w", "work", null, waiting("ImagePullBackOff", "x"));
        deleting.getMetadata().setDeletionTimestamp("2026-12-05T12:00:00Z");
        assertEquals(Optional.empty(), StuckPods.of(deleting, RewriteJobNames.ROLE_LABEL));
    }

    @Test
    void theSummaryNamesTheHelperFirstThenTheOldestWorkerAndCountsThemAll() {
        List<Pod> pods = List.of(
                pod(
                        "rs-work-2-b",
                        "work",
                        "2026-12-05T12:00:02Z",
                        waiting("CreateContainerConfigError", "secret \"k\" not found")),
                pod(
                        "rs-work-1-a",
                        "work",
                        "2026-12-05T12:00:01Z",
                        waiting("CreateContainerConfigError", "secret \"k\" not found")),
                pod("rs-work-3-c", "work", "2026-12-05T12:00:00Z"));
        StuckPods.Summary s =
                StuckPods.summarize(pods, RewriteJobNames.POD_ROLES).orElseThrow();
        assertEquals(2, s.count());
        assertEquals(
                "worker pod rs-work-1-a is not starting: CreateContainerConfigError: secret \"k\" not found (2 pods not starting)",
                s.text());

        List<Pod> withTally = List.of(
                pods.get(0),
                pod("rs-tally-z", "tally", "2026-12-05T13:00:00Z", waiting("ImagePullBackOff", "Back-off")));
        assertEquals(
                "the tally pod rs-tally-z is not starting: ImagePullBackOff: Back-off (2 pods not starting)",
                StuckPods.summarize(withTally, RewriteJobNames.POD_ROLES)
                        .orElseThrow()
                        .text());
        assertTrue(StuckPods.summarize(List.of(pods.get(2)), RewriteJobNames.POD_ROLES)
                .isEmpty());
    }

    static ContainerStatus waiting(String reason, String message) {
        return new ContainerStatusBuilder()
                .withName(RewriteJobNames.CONTAINER)
                .withNewState()
                .withNewWaiting()
                .withReason(reason)
                .withMessage(message)
                .endWaiting()
                .endState()
                .build();
    }

    static Pod pod(String name, String role, String created, ContainerStatus... containers) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withCreationTimestamp(created)
                .withLabels(Map.of(RewriteJobNames.JOB_LABEL, "rs", RewriteJobNames.ROLE_LABEL, role))
                .endMetadata()
                .withNewStatus()
                .withPhase("Pending")
                .withContainerStatuses(containers)
                .endStatus()
                .build();
    }
}
