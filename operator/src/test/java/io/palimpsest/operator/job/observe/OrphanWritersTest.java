package io.palimpsest.operator.job.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.operator.job.RewriteJobNames;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Which pods of a job that is gone hold an output ({@link OrphanWriters}): the table of pods and jobs. */
class OrphanWritersTest {

    @Test
    void aPodWhoseJobIsGoneBeingDeletedOrAnotherHoldsTheOutput() {
        Pod pod = pod("ns", "a", "uid-a", "s3://b/out/", RewriteJobNames.ROLE_WORK, "Running", "2026-01-01T00:00:05Z");
        assertTrue(OrphanWriters.orphaned(pod, jobs()), "its job is gone");
        assertTrue(
                OrphanWriters.orphaned(pod, jobs(job("ns", "a", "uid-b", "2026-01-01T00:00:00Z", false))),
                "a job of the same name made since is another");
        assertTrue(
                OrphanWriters.orphaned(pod, jobs(job("ns", "a", "uid-a", "2026-01-01T00:00:00Z", true))),
                "its job is being deleted");
        assertFalse(
                OrphanWriters.orphaned(pod, jobs(job("ns", "a", "uid-a", "2026-01-01T00:00:00Z", false))),
                "its job holds the output itself, by its phase");
    }

    @Test
    void aPodThatDoesNotSayItsJobsUidIsAnotherJobsWhenMadeBeforeIt() {
        Pod old = pod("ns", "a", null, null, RewriteJobNames.ROLE_WORK, "Running", "2026-01-01T00:00:05Z");
        assertFalse(OrphanWriters.orphaned(old, jobs(job("ns", "a", "uid-a", "2026-01-01T00:00:00Z", false))));
        assertTrue(OrphanWriters.orphaned(old, jobs(job("ns", "a", "uid-b", "2026-01-01T00:00:06Z", false))));
    }

    @Test
    void onlyPodsThatMayStillWriteCount() {
        assertTrue(OrphanWriters.mayWrite(pod("ns", "a", "u", "o", RewriteJobNames.ROLE_PLAN, "Pending", null)));
        assertTrue(OrphanWriters.mayWrite(pod("ns", "a", "u", "o", null, "Running", null)), "no role: it may");
        assertFalse(OrphanWriters.mayWrite(pod("ns", "a", "u", "o", RewriteJobNames.ROLE_TALLY, "Running", null)));
        assertFalse(OrphanWriters.mayWrite(pod("ns", "a", "u", "o", RewriteJobNames.ROLE_WORK, "Succeeded", null)));
        assertFalse(OrphanWriters.mayWrite(pod("ns", "a", "u", "o", RewriteJobNames.ROLE_WORK, "Failed", null)));
    }

    @Test
    void theOutputsThatLieOnTheJobsAreHeldAndTheOthersFree() {
        List<Pod> pods = List.of(
                pod("ns", "a", "uid-a", "s3://b/out/", RewriteJobNames.ROLE_WORK, "Running", null),
                pod("ns", "c", "uid-c", "ns pvc://claim/out/", RewriteJobNames.ROLE_WORK, "Running", null));
        OrphanWriters.PodIndex index = index(pods);
        assertTrue(OrphanWriters.of(newJob("ns", "s3://b/out"), index, jobs()).isPresent());
        assertTrue(
                OrphanWriters.of(newJob("ns", "s3://b/out/sub"), index, jobs()).isPresent(), "inside it");
        assertTrue(OrphanWriters.of(newJob("ns", "s3://b"), index, jobs()).isPresent(), "around it");
        assertTrue(
                OrphanWriters.of(newJob("other", "s3://b/out/"), index, jobs()).isPresent(), "s3 from anywhere");
        assertEquals(Optional.empty(), OrphanWriters.of(newJob("ns", "s3://b/out-2"), index, jobs()));
        assertTrue(
                OrphanWriters.of(newJob("ns", "pvc://claim/out"), index, jobs()).isPresent());
        assertEquals(
                Optional.empty(),
                OrphanWriters.of(newJob("other", "pvc://claim/out"), index, jobs()),
                "a claim of another namespace is another place");
    }

    @Test
    void aPodThatDoesNotSayItsOutputHoldsEveryS3OutputAndTheClaimsOfItsNamespace() {
        OrphanWriters.PodIndex index =
                index(List.of(pod("ns", "a", null, null, RewriteJobNames.ROLE_WORK, "Running", null)));
        assertTrue(OrphanWriters.of(newJob("other", "s3://x/y"), index, jobs()).isPresent());
        assertTrue(
                OrphanWriters.of(newJob("ns", "pvc://claim/z"), index, jobs()).isPresent());
        assertEquals(Optional.empty(), OrphanWriters.of(newJob("other", "pvc://claim/z"), index, jobs()));
    }

    private static OrphanWriters.PodIndex index(List<Pod> pods) {
        return (index, key) -> pods.stream()
                .filter(p -> (switch (index) {
                            case OrphanWriters.BY_OUTPUT -> OrphanWriters.keys(p);
                            case OrphanWriters.BY_OUTPUT_TREE -> OrphanWriters.treeKeys(p);
                            case OrphanWriters.BY_UNKNOWN_OUTPUT -> OrphanWriters.unknownKeys(p);
                            default -> throw new IllegalArgumentException(index);
                        })
                        .contains(key))
                .toList();
    }

    private static Function<ResourceID, Optional<RewriteJob>> jobs(RewriteJob... jobs) {
        return id -> List.of(jobs).stream()
                .filter(j -> j.getMetadata().getName().equals(id.getName())
                        && id.getNamespace().orElse("").equals(j.getMetadata().getNamespace()))
                .findFirst();
    }

    private static RewriteJob job(String ns, String name, String uid, String created, boolean deleted) {
        RewriteJob job = new RewriteJob();
        job.setMetadata(new ObjectMetaBuilder()
                .withNamespace(ns)
                .withName(name)
                .withUid(uid)
                .withCreationTimestamp(created)
                .withDeletionTimestamp(deleted ? "2026-01-01T00:01:00Z" : null)
                .build());
        return job;
    }

    private static RewriteJob newJob(String ns, String output) {
        RewriteJob job = job(ns, "new", "uid-new", "2026-01-01T00:02:00Z", false);
        RewriteJobSpec spec = new RewriteJobSpec();
        RewriteJobSpec.Output out = new RewriteJobSpec.Output();
        out.setUri(output);
        spec.setOutput(out);
        job.setSpec(spec);
        return job;
    }

    private static Pod pod(
            String ns, String job, String uid, String output, String role, String phase, String created) {
        Map<String, String> labels = new HashMap<>(Map.of(RewriteJobNames.JOB_LABEL, job));
        if (role != null) {
            labels.put(RewriteJobNames.ROLE_LABEL, role);
        }
        Map<String, String> annotations = new HashMap<>();
        if (uid != null) {
            annotations.put(RewriteJobNames.JOB_UID_ANNOTATION, uid);
        }
        if (output != null) {
            annotations.put(RewriteJobNames.OUTPUT_ANNOTATION, output);
        }
        return new PodBuilder()
                .withNewMetadata()
                .withNamespace(ns)
                .withName(job + "-pod-" + role)
                .withCreationTimestamp(created)
                .withLabels(labels)
                .withAnnotations(annotations)
                .endMetadata()
                .withNewStatus()
                .withPhase(phase)
                .endStatus()
                .build();
    }
}
