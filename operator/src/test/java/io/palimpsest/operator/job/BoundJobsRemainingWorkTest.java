package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.operator.model.autoscale.Backlog;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BoundJobsRemainingWorkTest {

    /** Auto workers are assumed to keep 32 requests in flight; auto parallelism is capped at 10 pods. */
    private final BoundJobsRemainingWork source = new BoundJobsRemainingWork(32, 10);

    @ParameterizedTest(
            name =
                    "phase={0} suspend={1} total={2} pending={3} running={4} parallelism={5} concurrency={6} -> {7} shards, {8} requests, {9} not started")
    @CsvSource({
        // not planned yet: counts as work so the model loads while the planner runs; its size is unknown
        ",          false,   0,  0, 0, auto, auto, 1,   0,  1",
        "Pending,   false,   0,  0, 0, auto, auto, 1,   0,  1",
        "Planning,  false,   0,  0, 0, auto, auto, 1,   0,  1",
        // auto: up to the operator's cap of pods, each at the assumed concurrency
        "Running,   false, 100, 40, 8, auto, auto, 48, 320, 40",
        "Running,   false, 100,  2, 1, auto, auto, 3,   96,  2",
        // numbers given in the spec win
        "Running,   false, 100, 40, 8,    4,    8, 48,  32, 40",
        "Running,   false, 100,  2, 0,    4,    8, 2,   16,  2",
        "Running,   false, 100, 40, 8, auto,    2, 48,  20, 40",
        // nothing left, or not allowed to run
        // the last shards all running: none waits to start (the autoscaler's draining)
        "Running,   false, 100,  0, 5, auto,    8, 5,   40,  0",
        "Running,   false, 100,  0, 0, auto, auto, 0,    0,  0",
        "Running,   true,  100, 40, 8, auto, auto, 0,    0,  0",
        "Suspended, false, 100, 40, 0, auto, auto, 0,    0,  0",
        "Succeeded, false, 100,  0, 0, auto, auto, 0,    0,  0",
        "Failed,    false, 100,  3, 0, auto, auto, 0,    0,  0",
    })
    void countsPendingAndRunningShardsOfLiveJobs(
            JobPhase phase,
            boolean suspend,
            long total,
            long pending,
            long running,
            String parallelism,
            String concurrency,
            long shards,
            long requests,
            long notStarted) {
        RewriteJob job = new RewriteJob();
        RewriteJobSpec spec = new RewriteJobSpec();
        spec.setSuspend(suspend);
        RewriteJobSpec.Workers workers = new RewriteJobSpec.Workers();
        workers.setParallelism(setting(parallelism));
        workers.setConcurrencyPerWorker(setting(concurrency));
        spec.setWorkers(workers);
        job.setSpec(spec);
        RewriteJobStatus status = new RewriteJobStatus();
        status.setPhase(phase);
        if (total > 0) {
            RewriteJobStatus.ShardCounts counts = new RewriteJobStatus.ShardCounts();
            counts.setTotal(total);
            counts.setPending(pending);
            counts.setRunning(running);
            status.setShards(counts);
        }
        job.setStatus(status);
        Backlog one = source.count(List.of(job));
        Backlog two = source.count(List.of(job, job));
        assertEquals(List.of(shards, requests, notStarted), List.of(one.shards(), one.requests(), one.pending()));
        assertEquals(
                List.of(shards * 2, requests * 2, notStarted * 2),
                List.of(two.shards(), two.requests(), two.pending()));
        assertEquals(
                (suspend || phase == JobPhase.Suspended) && !phase.isTerminal() ? 1 : 0,
                one.heldJobs(),
                "a suspended job not finished is held: bound, without work");
    }

    @ParameterizedTest(name = "phase={0} reason={1} parallelism={2} -> {3} shards, {4} queued")
    @CsvSource({
        // the worker Job waits for Kueue at an explicit count: none of its workers can run, no work until admitted
        "Running,   Queued,  4,    0, 1",
        // auto: its count follows the model's ready replicas (0 at zero), the count Kueue admits it at: still work
        "Running,   Queued,  auto, 6, 0",
        // admitted: work again
        "Running,   Running, 4,    6, 0",
        // suspended wins: held, not queued
        "Suspended, Queued,  4,    0, 0",
    })
    void aJobWhoseWorkerJobWaitsForKueueIsNoWork(
            JobPhase phase, String reason, String parallelism, long shards, long queued) {
        RewriteJob job = new RewriteJob();
        RewriteJobSpec spec = new RewriteJobSpec();
        spec.setQueueName("team-a");
        RewriteJobSpec.Workers workers = new RewriteJobSpec.Workers();
        workers.setParallelism(setting(parallelism));
        spec.setWorkers(workers);
        job.setSpec(spec);
        RewriteJobStatus status = new RewriteJobStatus();
        status.setPhase(phase);
        status.setShards(new RewriteJobStatus.ShardCounts(6, 0, 0, 0, 6, 0));
        status.setConditions(List.of(new ConditionBuilder()
                .withType("Ready")
                .withStatus("False")
                .withReason(reason)
                .build()));
        job.setStatus(status);
        Backlog backlog = source.count(List.of(job));
        assertEquals(List.of(shards, queued), List.of(backlog.shards(), backlog.queuedJobs()));
    }

    @ParameterizedTest(name = "pending={0} running={1} unconfirmed={2} -> {3} shards, {4} requests, {5} not started")
    @CsvSource({
        // resumed: every shard committed, two of them by workers the suspend stopped after their commit; their
        // indexes still need a worker pod each before the worker Job completes
        "0, 0, 2, 2,  64, 2",
        "3, 1, 2, 6, 192, 5",
        "3, 1, 0, 4, 128, 3",
    })
    void committedShardsWhoseIndexRunsAgainAreLeftToRun(
            long pending, long running, long unconfirmed, long shards, long requests, long notStarted) {
        RewriteJob job = new RewriteJob();
        RewriteJobSpec spec = new RewriteJobSpec();
        spec.setWorkers(new RewriteJobSpec.Workers());
        job.setSpec(spec);
        RewriteJobStatus status = new RewriteJobStatus();
        status.setPhase(JobPhase.Running);
        long total = 12;
        status.setShards(
                new RewriteJobStatus.ShardCounts(total, total - pending - running, 0, running, pending, unconfirmed));
        job.setStatus(status);
        Backlog backlog = source.count(List.of(job));
        assertEquals(
                List.of(shards, requests, notStarted),
                List.of(backlog.shards(), backlog.requests(), backlog.pending()));
    }

    @ParameterizedTest(name = "phase={0} estimated={1} previewFailed={2} -> {3} shards")
    @CsvSource({
        // suspended for its preview: the model must serve it, as it does a job still planning
        ",          false, false, 1",
        "Planning,  false, false, 1",
        "Suspended, false, false, 1",
        // previewed, or the preview failed for good: a suspended job needs nothing
        "Suspended, true,  false, 0",
        "Suspended, false, true,  0",
        "Failed,    false, false, 0",
    })
    void aSuspendedJobAwaitingItsPreviewNeedsTheModel(
            JobPhase phase, boolean estimated, boolean previewFailed, long shards) {
        RewriteJob job = new RewriteJob();
        RewriteJobSpec spec = new RewriteJobSpec();
        spec.setSuspend(true);
        RewriteJobSpec.ModelRef model = new RewriteJobSpec.ModelRef();
        model.setName("qwen");
        spec.setModelRef(model);
        spec.setPreview(new RewriteJobSpec.Preview());
        job.setSpec(spec);
        RewriteJobStatus status = new RewriteJobStatus();
        status.setPhase(phase);
        if (estimated) {
            status.setEstimate(new RewriteJobStatus.Estimate());
        }
        if (previewFailed) {
            status.getConditions()
                    .add(new ConditionBuilder()
                            .withType(PreviewJob.PREVIEWED)
                            .withStatus("False")
                            .withReason(PreviewJob.FAILED)
                            .withMessage("the preview Job failed")
                            .build());
        }
        job.setStatus(status);
        Backlog backlog = source.count(List.of(job));
        assertEquals(List.of(shards, 0L), List.of(backlog.shards(), backlog.requests()));
        assertEquals(
                shards == 0 && phase != JobPhase.Failed ? 1 : 0, backlog.heldJobs(), "previewed and suspended: held");
    }

    @ParameterizedTest(name = "Pending, {0} -> {1} shards, {2} held")
    @CsvSource({
        // waiting for another job's output, or for someone else's object under its name: nothing for the model
        "OutputInUse,           0, 1",
        "NameTaken,             0, 1",
        // an earlier job's objects go within seconds; a missing model comes when it is made
        "WaitingForPreviousJob, 1, 0",
        "ModelNotFound,         1, 0",
    })
    void aJobPendingOnAnotherJobsOutputHoldsTheModelWithoutWork(String reason, long shards, long held) {
        RewriteJob job = new RewriteJob();
        job.setSpec(new RewriteJobSpec());
        RewriteJobStatus status = new RewriteJobStatus();
        status.setPhase(JobPhase.Pending);
        status.getConditions()
                .add(new ConditionBuilder()
                        .withType("Ready")
                        .withStatus("False")
                        .withReason(reason)
                        .build());
        job.setStatus(status);
        Backlog backlog = source.count(List.of(job));
        assertEquals(List.of(shards, held), List.of(backlog.shards(), backlog.heldJobs()));

        // suspended for a preview it cannot run before it plans
        job.getSpec().setSuspend(true);
        RewriteJobSpec.ModelRef model = new RewriteJobSpec.ModelRef();
        model.setName("qwen");
        job.getSpec().setModelRef(model);
        job.getSpec().setPreview(new RewriteJobSpec.Preview());
        Backlog previewing = source.count(List.of(job));
        assertEquals(List.of(shards, 1L), List.of(previewing.shards(), previewing.heldJobs() + previewing.shards()));
        assertEquals(held, previewing.heldJobs());
    }

    private static IntOrString setting(String value) {
        return value.equals("auto") ? new IntOrString("auto") : new IntOrString(Integer.parseInt(value));
    }
}
