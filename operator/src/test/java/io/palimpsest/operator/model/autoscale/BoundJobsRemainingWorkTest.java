package io.palimpsest.operator.model.autoscale;

import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BoundJobsRemainingWorkTest {

    @ParameterizedTest(name = "phase={0} suspend={1} total={2} pending={3} running={4} -> {5}")
    @CsvSource({
            // not planned yet: counts as work so the model loads while the planner runs
            ",          false,   0,  0, 0, 1",
            "Pending,   false,   0,  0, 0, 1",
            "Planning,  false,   0,  0, 0, 1",
            "Running,   false, 100, 40, 8, 48",
            "Running,   false, 100,  0, 0, 0",
            "Running,   true,  100, 40, 8, 0",
            "Suspended, false, 100, 40, 0, 0",
            "Succeeded, false, 100,  0, 0, 0",
            "Failed,    false, 100,  3, 0, 0",
    })
    void countsPendingAndRunningShardsOfLiveJobs(JobPhase phase, boolean suspend, long total, long pending,
                                                 long running, long expected) {
        RewriteJob job = new RewriteJob();
        RewriteJobSpec spec = new RewriteJobSpec();
        spec.setSuspend(suspend);
        job.setSpec(spec);
        RewriteJobStatus status = new RewriteJobStatus();
        status.setPhase(phase);
        if (total > 0) {
            RewriteJobStatus.ShardCounts shards = new RewriteJobStatus.ShardCounts();
            shards.setTotal(total);
            shards.setPending(pending);
            shards.setRunning(running);
            status.setShards(shards);
        }
        job.setStatus(status);
        assertEquals(expected, BoundJobsRemainingWork.count(List.of(job)));
        assertEquals(expected * 2, BoundJobsRemainingWork.count(List.of(job, job)));
    }
}
