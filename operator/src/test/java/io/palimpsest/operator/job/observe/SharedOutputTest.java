package io.palimpsest.operator.job.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.operator.job.TestJobs;
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

    @Test
    void aFinishedOrDeletedJobHoldsNothing() {
        RewriteJob done = job("a", "ns", "s3://o/x", "2026-12-06T09:00:00Z", JobPhase.Succeeded);
        RewriteJob failed = job("b", "ns", "s3://o/x", "2026-12-06T09:00:01Z", JobPhase.Failed);
        RewriteJob deleting = job("c", "ns", "s3://o/x", "2026-12-06T09:00:02Z", JobPhase.Running);
        deleting.getMetadata().setDeletionTimestamp("2026-12-06T09:10:00Z");
        RewriteJob next = job("d", "ns", "s3://o/x", "2026-12-06T09:20:00Z", null);
        assertEquals(Optional.empty(), SharedOutput.heldBy(next, List.of(done, failed, deleting, next)));
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
