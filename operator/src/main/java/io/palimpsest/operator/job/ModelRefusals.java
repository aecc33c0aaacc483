package io.palimpsest.operator.job;

import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.operator.job.JobPhaseMachine.Decision;
import io.palimpsest.operator.job.observe.FinishedPod;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/**
 * Why a worker Job failed when a worker found the model refusing every request the same way
 * (exit 78, FailJob): the Job controller only says "PodFailurePolicy", the worker's termination
 * message says which endpoint answered which status and what the server said.
 */
final class ModelRefusals {
    private ModelRefusals() {}

    /** The worker's own words, from the first pod that exited 78 (or reported {@code modelConfig}). */
    static Optional<String> message(Collection<FinishedPod> pods) {
        return pods.stream()
                .filter(ModelRefusals::refused)
                .min(Comparator.comparingInt(FinishedPod::shard).thenComparingInt(FinishedPod::attempt))
                .map(p -> p.summary() != null && p.summary().getMessage() != null
                        ? p.summary().getMessage()
                        : p.message() != null ? p.message() : "a worker exited " + ExitCodes.MODEL_CONFIG);
    }

    /** A failed worker Job whose pods show a model refusal fails with {@link JobReason#ModelConfig}. */
    static Decision refine(Decision decision, Collection<FinishedPod> pods) {
        if (decision.reason() == JobReason.WorkerJobFailed && pods.stream().anyMatch(ModelRefusals::refused)) {
            return new Decision(decision.phase(), JobReason.ModelConfig);
        }
        return decision;
    }

    private static boolean refused(FinishedPod pod) {
        return (pod.summary() != null && pod.summary().getOutcome() == ShardSummary.Outcome.modelConfig)
                || (pod.exitCode() != null && pod.exitCode() == ExitCodes.MODEL_CONFIG);
    }
}
