package io.palimpsest.operator.job.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.palimpsest.operator.job.RewriteJobNames;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What of an ended job may still write to its output ({@link OutputWriters}): pods, and Jobs that make them. */
class OutputWritersTest {

    @Test
    void nothingLeftOnceEveryWritingPodHasTerminatedAndTheWorkerJobIsStopped() {
        assertEquals(
                Optional.empty(),
                OutputWriters.of(
                        List.of(worker(true, 0, 0, 0, null), planner(true)),
                        List.of(pod("x-work-0", RewriteJobNames.ROLE_WORK, "Failed"))));
        assertEquals(Optional.empty(), OutputWriters.of(List.of(), List.of()));
    }

    @Test
    void aPodThatHasNotTerminatedWritesWhateverItsRoleButTheTally() {
        assertEquals(
                Optional.of("2 pods still run"),
                OutputWriters.of(
                        List.of(worker(true, 0, 0, 0, null)),
                        List.of(
                                pod("x-work-0", RewriteJobNames.ROLE_WORK, "Running"),
                                pod("x-preview", RewriteJobNames.ROLE_PREVIEW, "Pending"),
                                pod("x-tally", RewriteJobNames.ROLE_TALLY, "Running"))));
        // a pod of the job's label without a role (a worker Job deleted and made otherwise) counts too
        assertEquals(
                Optional.of("1 pod still runs"),
                OutputWriters.of(List.of(), List.of(pod("x-work-1", null, "Running"))));
    }

    @Test
    void aWorkerJobThatIsNeitherFinishedNorStoppedMakesPodsAgain() {
        assertEquals(
                Optional.of("the worker Job x-work is not stopped yet"),
                OutputWriters.of(List.of(worker(false, 4, 0, 0, null)), List.of()));
        assertEquals(
                Optional.empty(),
                OutputWriters.of(List.of(worker(false, 0, 0, 0, null)), List.of()),
                "at parallelism 0 it makes no pod");
        assertEquals(
                Optional.empty(),
                OutputWriters.of(List.of(worker(false, 4, 0, 0, "FailureTarget")), List.of()),
                "a Job the Job controller failed stops its pods itself");
    }

    @Test
    void aJobCountingPodsTheInformerHasNotShownHoldsAsThePodsWould() {
        assertEquals(
                Optional.of("the Job x-work counts 2 active or terminating pod(s)"),
                OutputWriters.of(List.of(worker(true, 0, 0, 2, null)), List.of()));
        assertEquals(
                Optional.of("the Job x-plan has not finished"), OutputWriters.of(List.of(planner(false)), List.of()));
    }

    private static Job worker(boolean suspended, int parallelism, int active, int terminating, String end) {
        JobBuilder job = new JobBuilder()
                .withNewMetadata()
                .withName("x-work")
                .withLabels(Map.of(RewriteJobNames.ROLE_LABEL, RewriteJobNames.ROLE_WORK))
                .endMetadata()
                .withNewSpec()
                .withSuspend(suspended)
                .withParallelism(parallelism)
                .endSpec()
                .withNewStatus()
                .withActive(active)
                .withTerminating(terminating)
                .endStatus();
        if (end != null) {
            job.editStatus()
                    .withConditions(new JobConditionBuilder()
                            .withType(end)
                            .withStatus("True")
                            .withReason("PodFailurePolicy")
                            .build())
                    .endStatus();
        }
        return job.build();
    }

    private static Job planner(boolean complete) {
        JobBuilder job = new JobBuilder()
                .withNewMetadata()
                .withName("x-plan")
                .withLabels(Map.of(RewriteJobNames.ROLE_LABEL, RewriteJobNames.ROLE_PLAN))
                .endMetadata()
                .withNewStatus()
                .endStatus();
        if (complete) {
            job.editStatus()
                    .withConditions(new JobConditionBuilder()
                            .withType("Complete")
                            .withStatus("True")
                            .build())
                    .endStatus();
        }
        return job.build();
    }

    private static Pod pod(String name, String role, String phase) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(role == null ? Map.of() : Map.of(RewriteJobNames.ROLE_LABEL, role))
                .endMetadata()
                .withNewStatus()
                .withPhase(phase)
                .endStatus()
                .build();
    }
}
