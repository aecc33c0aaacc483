package io.palimpsest.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link JobSync} as a pure function, on hand-made pods: the choices a single pass makes. */
class JobSyncTest {

    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    /** controller.ActivePods: scale-in removes unscheduled, then pending, not ready, recently ready, newer pods first. */
    @Test
    void scaleInPicksVictimsInActivePodsOrder() {
        List<Pod> pods = List.of(
                pod("old-ready", 0, "Running", true, "2026-12-01T11:00:00Z", "2026-12-01T11:01:00Z", 0),
                pod("young-ready", 1, "Running", true, "2026-12-01T11:30:00Z", "2026-12-01T11:31:00Z", 0),
                pod("not-ready", 2, "Running", false, "2026-12-01T10:00:00Z", null, 0),
                pod("pending", 3, "Pending", false, "2026-12-01T09:00:00Z", null, 0),
                pod("restarted", 4, "Running", true, "2026-12-01T11:00:00Z", "2026-12-01T11:01:00Z", 2));
        assertEquals(
                List.of("pending", "not-ready", "young-ready", "restarted", "old-ready"),
                pods.stream()
                        .sorted(JobSync.ACTIVE_PODS_ORDER)
                        .map(p -> p.getMetadata().getName())
                        .toList());

        JobSync.Result result = JobSync.sync(job(5, 2, null), pods, NOW, JobSync.Backoff.UPSTREAM);
        assertEquals(
                List.of("pending", "not-ready", "young-ready"),
                result.delete().stream().map(p -> p.getMetadata().getName()).toList(),
                "the highest indexes are not what goes first; the least settled pods are");
        assertEquals(3, result.status().getTerminating(), "deleted pods terminate");
    }

    /** The pod failure backoff of backoff_utils.go: 10 s doubling, at most 10 minutes. */
    @Test
    void backoffDoublesFromTenSecondsToTenMinutes() {
        JobSync.Backoff b = JobSync.Backoff.UPSTREAM;
        assertEquals(Duration.ZERO, b.after(0));
        assertEquals(Duration.ofSeconds(10), b.after(1));
        assertEquals(Duration.ofSeconds(20), b.after(2));
        assertEquals(Duration.ofSeconds(320), b.after(6));
        assertEquals(Duration.ofMinutes(10), b.after(7));
        assertEquals(Duration.ofMinutes(10), b.after(30));
        long sixRetries = 0;
        for (int n = 1; n <= 6; n++) {
            sixRetries += b.after(n).toSeconds();
        }
        assertEquals(630, sixRetries, "backoffLimitPerIndex 6 costs 10.5 minutes of waiting");
    }

    /** A failed index is retried only once its backoff is over, and its replacement inherits the count. */
    @Test
    void replacementWaitsAndInheritsTheHeldCount() {
        Pod failed = new PodBuilder(pod("f", 0, "Failed", false, "2026-12-01T11:59:00Z", null, 0))
                .editMetadata()
                .addToAnnotations(JobSync.FAILURE_COUNT, "1")
                .addToAnnotations(JobSync.IGNORED_FAILURE_COUNT, "0")
                .addToFinalizers(JobSync.TRACKING_FINALIZER)
                .endMetadata()
                .editStatus()
                .addNewContainerStatus()
                .withName("main")
                .withNewState()
                .withNewTerminated()
                .withExitCode(1)
                .withFinishedAt("2026-12-01T11:59:50Z")
                .endTerminated()
                .endState()
                .endContainerStatus()
                .endStatus()
                .build();
        Job job = job(1, 1, 6);
        // Second failure of the index (count 1 + this one): 20 s backoff from 11:59:50.
        JobSync.Result early = JobSync.sync(job, List.of(failed), NOW, JobSync.Backoff.UPSTREAM);
        assertTrue(early.create().isEmpty(), "10 s after the failure, 20 s are due");
        assertTrue(early.release().isEmpty(), "the last failure keeps its finalizer until it is replaced");
        JobSync.Result due = JobSync.sync(job, List.of(failed), NOW.plusSeconds(11), JobSync.Backoff.UPSTREAM);
        assertEquals(List.of(new JobSync.NewPod(0, 2, 0)), due.create());
    }

    private static Job job(int completions, int parallelism, Integer backoffLimitPerIndex) {
        return new JobBuilder()
                .withNewMetadata()
                .withName("j")
                .withNamespace("ns")
                .withUid("uid")
                .endMetadata()
                .withNewSpec()
                .withCompletionMode("Indexed")
                .withCompletions(completions)
                .withParallelism(parallelism)
                .withBackoffLimitPerIndex(backoffLimitPerIndex)
                .withNewTemplate()
                .withNewSpec()
                .withRestartPolicy("Never")
                .addNewContainer()
                .withName("main")
                .withImage("x")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .withNewStatus()
                .withStartTime("2026-12-01T09:00:00Z")
                .endStatus()
                .build();
    }

    private static Pod pod(
            String name, int index, String phase, boolean ready, String created, String readySince, int restarts) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("ns")
                .withCreationTimestamp(created)
                .addToAnnotations(JobSync.COMPLETION_INDEX, String.valueOf(index))
                .endMetadata()
                .withNewSpec()
                .withNodeName(phase.equals("Pending") ? null : Kubelet.NODE_NAME)
                .endSpec()
                .withNewStatus()
                .withPhase(phase)
                .addNewCondition()
                .withType("Ready")
                .withStatus(ready ? "True" : "False")
                .withLastTransitionTime(readySince)
                .endCondition()
                .addNewContainerStatus()
                .withName("main")
                .withRestartCount(restarts)
                .endContainerStatus()
                .endStatus()
                .build();
    }
}
