package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardReason;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.operator.job.JobPhaseMachine.Decision;
import io.palimpsest.operator.job.observe.FinishedPod;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelRefusalsTest {

    private static final Decision WORKER_FAILED = new Decision(JobPhase.Failed, JobReason.WorkerJobFailed);

    @Test
    void aFailedWorkerJobWithARefusingWorkerFailsWithModelConfigAndTheWorkersWords() {
        List<FinishedPod> pods = List.of(
                pod(2, 0, ShardSummary.Outcome.modelUnreachable, "down", 75),
                pod(
                        1,
                        0,
                        ShardSummary.Outcome.modelConfig,
                        "POST http://m:8000/v1/chat/completions answered HTTP 401",
                        78));
        assertEquals(new Decision(JobPhase.Failed, JobReason.ModelConfig), ModelRefusals.refine(WORKER_FAILED, pods));
        assertEquals(
                Optional.of("POST http://m:8000/v1/chat/completions answered HTTP 401"), ModelRefusals.message(pods));
    }

    /**
     * A worker that found the output made otherwise (a RewriterModel's servedModelName edited
     * mid-campaign) or the store refusing the credentials names it in its reason code: the job
     * fails under that reason, with the worker's message.
     */
    @Test
    void theWorkersReasonCodePicksTheJobsReason() {
        String drift = "model drift: s3://out/ was made with model 'qwen', this job's model is 'qwen-2' (the model"
                + " name sent in requests); " + "write to a new output (a new RewriteJob with another spec.output.uri)";
        List<FinishedPod> drifted = List.of(
                pod(3, 0, ShardSummary.Outcome.committed, null, 0),
                pod(5, 0, ShardSummary.Outcome.modelConfig, ShardReason.OUTPUT_DRIFT, drift, 78));
        assertEquals(
                new Decision(JobPhase.Failed, JobReason.OutputDrift), ModelRefusals.refine(WORKER_FAILED, drifted));
        assertEquals(Optional.of(drift), ModelRefusals.message(drifted));

        String refused = "could not read s3://corpus/a.jsonl: the object store refused this job's credentials"
                + " (AccessDenied, HTTP 403); ...";
        List<FinishedPod> denied =
                List.of(pod(0, 0, ShardSummary.Outcome.modelConfig, ShardReason.STORE_REFUSED, refused, 78));
        assertEquals(
                new Decision(JobPhase.Failed, JobReason.StoreRefused), ModelRefusals.refine(WORKER_FAILED, denied));
        assertEquals(Optional.of(refused), ModelRefusals.message(denied));
    }

    @Test
    void withoutASummaryTheExitCodeAloneTellsIt() {
        FinishedPod crashed =
                new FinishedPod(0, 0, false, false, null, ExitCodes.MODEL_CONFIG, "Error", "log tail", Instant.EPOCH);
        assertEquals(
                JobReason.ModelConfig,
                ModelRefusals.refine(WORKER_FAILED, List.of(crashed)).reason());
        assertEquals(Optional.of("log tail"), ModelRefusals.message(List.of(crashed)));
    }

    @Test
    void otherFailuresAndOtherDecisionsAreLeftAsTheyAre() {
        List<FinishedPod> unreachable = List.of(pod(0, 0, ShardSummary.Outcome.modelUnreachable, "down", 75));
        assertEquals(WORKER_FAILED, ModelRefusals.refine(WORKER_FAILED, unreachable));
        Decision running = new Decision(JobPhase.Running, JobReason.Running);
        assertEquals(
                running,
                ModelRefusals.refine(running, List.of(pod(0, 0, ShardSummary.Outcome.modelConfig, "401", 78))));
        assertEquals(Optional.empty(), ModelRefusals.message(unreachable));
    }

    private static FinishedPod pod(int shard, int attempt, ShardSummary.Outcome outcome, String message, int exit) {
        return pod(shard, attempt, outcome, null, message, exit);
    }

    private static FinishedPod pod(
            int shard, int attempt, ShardSummary.Outcome outcome, ShardReason reason, String message, int exit) {
        ShardSummary summary = new ShardSummary();
        summary.setShard(shard);
        summary.setOutcome(outcome);
        summary.setReason(reason == null ? null : reason.code());
        summary.setMessage(message);
        return new FinishedPod(shard, attempt, false, false, summary, exit, "Error", null, Instant.EPOCH);
    }
}
