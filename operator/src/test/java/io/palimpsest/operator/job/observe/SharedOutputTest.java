package io.palimpsest.operator.job.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.operator.job.TestJobs;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which job holds an output ({@link SharedOutput}): one order, so no two jobs wait for each other. */
class SharedOutputTest {

    @Test
    void anS3OutputIsOnePlaceFromEveryNamespaceAClaimOnlyInItsOwn() {
        RewriteJob s3 = job("a", "team-a", "s3://corpus/out", "2026-12-06T09:00:00Z", JobPhase.Running);
        RewriteJob s3Elsewhere = job("b", "team-b", "s3://corpus/out/", "2026-12-06T09:01:00Z", null);
        assertEquals(SharedOutput.key(s3), SharedOutput.key(s3Elsewhere));
        assertTrue(SharedOutput.heldBy(s3Elsewhere, List.of(s3, s3Elsewhere))
                .orElseThrow()
                .contains("RewriteJob team-a/a (Running)"));

        RewriteJob pvc = job("c", "team-a", "pvc://data/out", "2026-12-06T09:00:00Z", JobPhase.Running);
        RewriteJob pvcElsewhere = job("d", "team-b", "pvc://data/out", "2026-12-06T09:01:00Z", null);
        RewriteJob pvcHere = job("e", "team-a", "pvc://data/./out", "2026-12-06T09:01:00Z", null);
        assertTrue(!SharedOutput.key(pvc).equals(SharedOutput.key(pvcElsewhere)));
        assertEquals(Optional.empty(), SharedOutput.heldBy(pvcElsewhere, List.of(pvc, pvcElsewhere)));
        assertTrue(SharedOutput.heldBy(pvcHere, List.of(pvc, pvcHere)).isPresent());
    }

    @Test
    void theFirstCreatedStartsUnlessALaterOneHasStartedAlready() {
        RewriteJob older = job("z", "ns", "s3://o/x", "2026-12-06T09:00:00Z", null);
        RewriteJob younger = job("a", "ns", "s3://o/x", "2026-12-06T09:00:05Z", null);
        List<RewriteJob> both = List.of(older, younger);
        assertEquals(Optional.empty(), SharedOutput.heldBy(older, both));
        assertTrue(SharedOutput.heldBy(younger, both).orElseThrow().contains("ns/z (not started)"));

        // The older one back from a refused spec finds the younger one started meanwhile: it waits.
        younger.getStatus().setPhase(JobPhase.Running);
        older.getStatus().setPhase(JobPhase.Failed);
        older.getStatus().setPhase(null);
        assertTrue(SharedOutput.heldBy(older, both).orElseThrow().contains("ns/a (Running)"));
    }

    /** An earlier job parked on a missing model (a typo in modelRef) has written nothing: it holds nothing. */
    @Test
    void anEarlierJobPendingOnItsMissingModelDoesNotHoldTheOutput() {
        RewriteJob parked = job("typo", "ns", "s3://o/x", "2026-12-06T09:00:00Z", JobPhase.Pending);
        parked.getStatus()
                .setConditions(List.of(new ConditionBuilder()
                        .withType(Conditions.READY)
                        .withStatus("False")
                        .withReason(JobReason.ModelNotFound.name())
                        .build()));
        RewriteJob next = job("next", "ns", "s3://o/x", "2026-12-06T09:05:00Z", null);
        assertEquals(Optional.empty(), SharedOutput.heldBy(next, List.of(parked, next)));

        // pending for a reason that passes by itself (its model loading), it keeps its place
        parked.getStatus().getConditions().get(0).setReason("ModelNotReady");
        assertTrue(SharedOutput.heldBy(next, List.of(parked, next)).isPresent());
    }

    @Test
    void aFinishedOrDeletedJobHoldsNothing() {
        RewriteJob done = job("a", "ns", "s3://o/x", "2026-12-06T09:00:00Z", JobPhase.Succeeded);
        RewriteJob failed = job("b", "ns", "s3://o/x", "2026-12-06T09:00:01Z", JobPhase.Failed);
        RewriteJob deleting = job("c", "ns", "s3://o/x", "2026-12-06T09:00:02Z", JobPhase.Running);
        deleting.getMetadata().setDeletionTimestamp("2026-12-06T09:10:00Z");
        RewriteJob next = job("d", "ns", "s3://o/x", "2026-12-06T09:20:00Z", null);
        assertEquals(Optional.empty(), SharedOutput.heldBy(next, List.of(done, failed, deleting, next)));
    }

    /** Ended while a worker of it may still commit (Reconciling WorkersStopping): it holds the output, whatever came first. */
    @Test
    void aJobThatEndedWhileItsWorkersStopHoldsTheOutputUntilTheyHave() {
        RewriteJob next = job("a", "ns", "s3://o/x", "2026-12-06T09:00:00Z", null);
        RewriteJob failed = job("b", "ns", "s3://o/x/", "2026-12-06T09:05:00Z", JobPhase.Failed);
        failed.getStatus()
                .setConditions(List.of(new ConditionBuilder()
                        .withType(Conditions.RECONCILING)
                        .withStatus("True")
                        .withReason(JobReason.WorkersStopping.name())
                        .build()));
        assertTrue(SharedOutput.heldBy(next, List.of(failed, next))
                .orElseThrow()
                .startsWith("spec.output.uri s3://o/x is the output of RewriteJob ns/b (Failed), whose workers are"
                        + " still stopping"));
        RewriteJob inner = job("c", "ns", "s3://o/x/sub", "2026-12-06T09:00:00Z", null);
        assertTrue(SharedOutput.heldBy(inner, List.of(failed, inner))
                .orElseThrow()
                .endsWith("write to an output apart from s3://o/x/"));

        failed.getStatus().getConditions().get(0).setStatus("False");
        assertEquals(Optional.empty(), SharedOutput.heldBy(next, List.of(failed, next)));
    }

    /**
     * Deleted in the foreground (Argo CD's prune), a job stays until its Jobs and their pods are gone: it holds the
     * output meanwhile; deleted in the background it is gone at once and holds nothing.
     */
    @Test
    void aJobDeletedInTheForegroundHoldsTheOutputUntilItIsGone() {
        RewriteJob next = job("a", "ns", "s3://o/x", "2026-12-06T09:00:00Z", null);
        RewriteJob pruned = job("b", "ns", "s3://o/x", "2026-12-06T09:05:00Z", JobPhase.Running);
        pruned.getMetadata().setDeletionTimestamp("2026-12-06T09:10:00Z");
        pruned.getMetadata().setFinalizers(new ArrayList<>(List.of("foregroundDeletion")));
        assertTrue(SharedOutput.heldBy(next, List.of(pruned, next))
                .orElseThrow()
                .contains("RewriteJob ns/b (being deleted in the foreground)"));

        pruned.getMetadata().setFinalizers(new ArrayList<>());
        assertEquals(Optional.empty(), SharedOutput.heldBy(next, List.of(pruned, next)));
    }

    @Test
    void anOutputInsideAnotherOrAroundItIsHeldNamingBoth() {
        RewriteJob outer = job("outer", "team-a", "s3://b/out", "2026-12-06T09:00:00Z", JobPhase.Running);
        RewriteJob inner = job("inner", "team-b", "s3://b/out//sub/", "2026-12-06T09:01:00Z", null);
        RewriteJob apart = job("apart", "team-a", "s3://b/out-2/", "2026-12-06T09:01:00Z", null);
        List<RewriteJob> all = List.of(outer, inner, apart);
        assertEquals(
                "spec.output.uri s3://b/out//sub/ is inside s3://b/out/, the output of RewriteJob team-a/outer (Running),"
                        + " which came first",
                SharedOutput.heldBy(inner, all).orElseThrow().split(": ")[0]);
        assertTrue(SharedOutput.heldBy(inner, all).orElseThrow().contains("write to an output apart from s3://b/out"));
        assertEquals(Optional.empty(), SharedOutput.heldBy(apart, all), "s3://b/out-2/ is not inside s3://b/out/");

        // The other way round: the outer one created later waits for the inner one.
        RewriteJob first = job("first", "ns", "pvc://data/out/sub", "2026-12-06T09:00:00Z", null);
        RewriteJob around = job("around", "ns", "pvc://data/out", "2026-12-06T09:01:00Z", null);
        RewriteJob otherClaimNamespace = job("there", "ns-2", "pvc://data/out", "2026-12-06T09:01:00Z", null);
        List<RewriteJob> claims = List.of(first, around, otherClaimNamespace);
        assertEquals(Optional.empty(), SharedOutput.heldBy(first, claims));
        assertTrue(SharedOutput.heldBy(around, claims)
                .orElseThrow()
                .startsWith("spec.output.uri pvc://data/out holds pvc://data/out/sub/, the output of RewriteJob"
                        + " ns/first (not started)"));
        assertEquals(Optional.empty(), SharedOutput.heldBy(otherClaimNamespace, claims));
    }

    @Test
    void theRelatedJobsAreFoundByOneLookupPerFolderOfTheOutput() {
        RewriteJob root = job("root", "ns", "s3://b", "2026-12-06T09:00:00Z", null);
        RewriteJob outer = job("outer", "ns", "s3://b/out", "2026-12-06T09:00:00Z", null);
        RewriteJob self = job("self", "ns", "s3://b/out/sub/", "2026-12-06T09:00:00Z", null);
        RewriteJob inner = job("inner", "ns", "s3://b/out/sub/deeper", "2026-12-06T09:00:00Z", null);
        RewriteJob sibling = job("sibling", "ns", "s3://b/out/other", "2026-12-06T09:00:00Z", null);
        RewriteJob otherBucket = job("bucket", "ns", "s3://c/out/sub", "2026-12-06T09:00:00Z", null);
        List<RewriteJob> all = List.of(root, outer, self, inner, sibling, otherBucket);
        assertEquals(List.of("s3://b/", "s3://b/out/", "s3://b/out/sub/"), SharedOutput.treeKeys(self));
        assertEquals(
                List.of("ns pvc://data/", "ns pvc://data/x/"),
                SharedOutput.treeKeys(job("p", "ns", "pvc://data/x", "2026-12-06T09:00:00Z", null)));

        List<String> lookups = new ArrayList<>();
        SharedOutput.Index index = (name, key) -> {
            lookups.add(name + " " + key);
            return all.stream()
                    .filter(j -> (name.equals(SharedOutput.BY_OUTPUT) ? SharedOutput.keys(j) : SharedOutput.treeKeys(j))
                            .contains(key))
                    .toList();
        };
        assertEquals(
                List.of("self", "inner", "root", "outer"),
                SharedOutput.related(self, index).stream()
                        .map(j -> j.getMetadata().getName())
                        .toList());
        assertEquals(
                List.of(
                        SharedOutput.BY_OUTPUT_TREE + " s3://b/out/sub/",
                        SharedOutput.BY_OUTPUT + " s3://b/",
                        SharedOutput.BY_OUTPUT + " s3://b/out/"),
                lookups);
    }

    private static RewriteJob job(String name, String namespace, String output, String created, JobPhase phase) {
        RewriteJob job = TestJobs.job(name, "s3://corpus/in", output);
        job.getMetadata().setNamespace(namespace);
        job.getMetadata().setUid(namespace + "-" + name);
        job.getMetadata().setCreationTimestamp(created);
        job.setStatus(new RewriteJobStatus());
        job.getStatus().setPhase(phase);
        return job;
    }
}
