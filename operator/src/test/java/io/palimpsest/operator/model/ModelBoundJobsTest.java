package io.palimpsest.operator.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModelStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ModelBoundJobsTest {

    private static RewriteJob job(String name, JobPhase phase) {
        RewriteJob job = new RewriteJob();
        job.setMetadata(
                new ObjectMetaBuilder().withName(name).withNamespace("ns").build());
        if (phase != null) {
            RewriteJobStatus status = new RewriteJobStatus();
            status.setPhase(phase);
            job.setStatus(status);
        }
        return job;
    }

    @Test
    void unfinishedJobsAreCountedAndTheFirstNamesListedWithinTheCap() {
        List<RewriteJob> jobs = new ArrayList<>(IntStream.range(0, 25)
                .mapToObj(i -> job(String.format("job-%02d", 24 - i), i % 2 == 0 ? JobPhase.Running : null))
                .toList());
        jobs.add(job("done", JobPhase.Succeeded));
        jobs.add(job("broken", JobPhase.Failed));
        RewriterModelStatus.BoundJobs bound = ModelBoundJobs.of(jobs);
        assertEquals(25, bound.getCount(), "finished jobs are not bound");
        assertEquals(RewriterModelStatus.BoundJobs.MAX_NAMES, bound.getNames().size());
        assertEquals("job-00", bound.getNames().get(0));
        assertEquals("job-09", bound.getNames().get(9));
    }

    @Test
    void noJobIsACountOfZeroWithoutNames() {
        RewriterModelStatus.BoundJobs bound = ModelBoundJobs.of(List.of(job("old", JobPhase.Succeeded)));
        assertEquals(0, bound.getCount());
        assertNull(bound.getNames());
    }
}
