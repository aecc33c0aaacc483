package io.palimpsest.operator.job;

import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardReason;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.operator.job.JobPhaseMachine.Decision;
import io.palimpsest.operator.job.observe.FinishedPod;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/**
 * Why a worker Job failed when a worker found a refusal that is the same for every shard (exit 78,
 * FailJob): the Job controller only says "PodFailurePolicy", the worker's termination message says
 * what refused and how. The worker's reason code picks the job's reason: {@code store_refused}
 * {@link JobReason#StoreRefused}, {@code output_drift} {@link JobReason#OutputDrift}, anything else
 * (the model's refusal, an older worker's summary, none) {@link JobReason#ModelConfig}.
 */
final class ModelRefusals {
    private ModelRefusals() {}

    /** The worker's own words, from the first pod that exited 78 (or reported {@code modelConfig}). */
    static Optional<String> message(Collection<FinishedPod> pods) {
        return first(pods)
                .map(p -> p.summary() != null && p.summary().getMessage() != null
                        ? p.summary().getMessage()
                        : p.message() != null ? p.message() : "a worker exited " + ExitCodes.MODEL_CONFIG);
    }

    /** A failed worker Job whose pods show such a refusal fails with the reason the first one names. */
    static Decision refine(Decision decision, Collection<FinishedPod> pods) {
        if (decision.reason() == JobReason.WorkerJobFailed) {
            Optional<FinishedPod> refused = first(pods);
            if (refused.isPresent()) {
                return new Decision(decision.phase(), reasonOf(refused.get().summary()));
            }
        }
        return decision;
    }

    /** The job reasons a refusal of a worker ends the job with. */
    static boolean isRefusal(JobReason reason) {
        return reason == JobReason.ModelConfig || reason == JobReason.StoreRefused || reason == JobReason.OutputDrift;
    }

    static JobReason reasonOf(ShardSummary summary) {
        if (ShardReason.STORE_REFUSED.of(summary)) {
            return JobReason.StoreRefused;
        }
        if (ShardReason.OUTPUT_DRIFT.of(summary)) {
            return JobReason.OutputDrift;
        }
        return JobReason.ModelConfig;
    }

    private static Optional<FinishedPod> first(Collection<FinishedPod> pods) {
        return pods.stream()
                .filter(ModelRefusals::refused)
                .min(Comparator.comparingInt(FinishedPod::shard).thenComparingInt(FinishedPod::attempt));
    }

    private static boolean refused(FinishedPod pod) {
        return (pod.summary() != null && pod.summary().getOutcome() == ShardSummary.Outcome.modelConfig)
                || (pod.exitCode() != null && pod.exitCode() == ExitCodes.MODEL_CONFIG);
    }
}
