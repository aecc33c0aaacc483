package io.palimpsest.operator.job.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.common.SecretKeyRef;
import io.palimpsest.api.lint.FieldError;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.status.ConditionAggregator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Whether the spec's edits reached what runs: the {@value #TYPE} condition, present once the worker
 * Job exists, False naming each edit that did not (a field the worker Job or the plan was made from
 * and that Kubernetes does not let change, see {@code MadeFrom}), with a Warning Event when that
 * list changes. Edits the operator applies (parallelism, suspend, maxFailedShards, what job.yaml
 * carries) are not listed: they are applied; but a parallelism Kueue's admission holds ({@link
 * #admittedParallelism}). One edit of the RewriterModel is listed too: the API key
 * Secret it names, which the worker pods read through their Job's pod template ({@link #modelApiKey}).
 */
public final class SpecApplied {
    public static final String TYPE = "SpecApplied";
    public static final String APPLIED = "Applied";
    public static final String NOT_APPLIED = "NotApplied";
    static final String EVENT_REASON = "SpecNotApplied";

    private SpecApplied() {}

    /**
     * What did not reach the running job, one sentence each.
     *
     * @param changed      the fields changed since the worker Job or the plan was made ({@code MadeFrom.changed})
     * @param attempts     the attempts per shard the job keeps (the worker Job's)
     * @param attemptsInSpec the attempts per shard the spec asks for now
     * @param maxFailed    why the worker Job's maxFailedIndexes could not follow {@code retry.maxFailedShards}
     *                     (WorkerJobLimits), empty when it did
     */
    public static List<String> notApplied(
            List<String> changed, int attempts, int attemptsInSpec, List<FieldError> maxFailed) {
        List<String> out = new ArrayList<>();
        List<String> template = new ArrayList<>();
        for (String field : changed) {
            switch (field) {
                case "spec.retry.attemptsPerShard" ->
                    out.add(field + " is " + attemptsInSpec + " but the worker Job was created with " + attempts
                            + ": the job keeps " + attempts + " attempts per shard (a Job's backoffLimitPerIndex"
                            + " cannot change); the new value applies to new RewriteJobs only");
                case "spec.queueName" ->
                    out.add(field + " changed after the worker Job was created; the worker Job stays in the"
                            + " queue it was made for; the new value applies to new RewriteJobs only");
                case "spec.preview" ->
                    out.add(field + " changed after the preview Job was made; the preview runs once per RewriteJob, so"
                            + " status.estimate is of the values it was made with; to preview with the new ones, run"
                            + " palimpsest preview on the manifest or create a new RewriteJob");
                case "spec.sharding" ->
                    out.add(field + " changed after the plan was made; the plan is kept (committed shards are"
                            + " numbered by it); the new value applies to new RewriteJobs only");
                default -> template.add(field);
            }
        }
        if (!template.isEmpty()) {
            out.add(
                    0,
                    String.join(", ", template)
                            + " changed after the worker Job was created; the new value applies to new RewriteJobs only: a Job's"
                            + " pod template cannot change, so the worker pods keep the values the worker Job was made"
                            + " with (this job's tally and preview Jobs, made later, take the new ones)");
        }
        for (FieldError e : maxFailed) {
            out.add(e + "; the worker Job keeps the maxFailedIndexes it has");
        }
        return out;
    }

    /** {@link #notApplied(List, int, int, List)}, then the model's API key when it did not reach the workers. */
    public static List<String> notApplied(
            List<String> changed, int attempts, int attemptsInSpec, List<FieldError> maxFailed, String modelApiKey) {
        List<String> out = notApplied(changed, attempts, attemptsInSpec, maxFailed);
        if (modelApiKey != null) {
            out.add(modelApiKey);
        }
        return out;
    }

    /**
     * Why an admitted worker Job does not run at {@code spec.workers.parallelism}: Kueue admitted it at its count and
     * suspends and requeues a running Job whose count changes, so the operator keeps that count ({@code JobDecider});
     * null when it runs at the spec's count, when that makes no difference (no more shards left than either count),
     * when the count is auto (it follows the model's fleet, no edit), or when Kueue has not admitted the Job.
     *
     * @param explicit  {@code spec.workers.parallelism} when a number, else null
     * @param remaining the shards left to run
     * @param admitted  the worker Job is Kueue's and running (not suspended)
     * @param running   the worker Job's parallelism
     */
    public static String admittedParallelism(Integer explicit, long remaining, boolean admitted, Integer running) {
        if (explicit == null || !admitted || running == null || running <= 0 || remaining <= 0) {
            return null;
        }
        if (Math.min(explicit, remaining) == Math.min(running, remaining)) {
            return null;
        }
        return "spec.workers.parallelism is " + explicit + " but the worker Job runs " + running
                + " workers, the count Kueue admitted it at: Kueue suspends and requeues a running Job whose count"
                + " changes, so it keeps that count; to run " + explicit + ", suspend the job (spec.suspend: true)"
                + " and resume it: Kueue admits it again at the new count";
    }

    /**
     * Why the model's API key the worker pods read is not the one the RewriterModel names now (an
     * {@code endpoint.apiKeySecretRef} rotated to another Secret, a switch between an external endpoint and a
     * deployed model), or null when it is, or when the model is absent. A worker Job made without a key for a
     * model the operator runs is not named: that model serves without its key while such a Job exists
     * ({@code KeylessWorkerJobs}).
     *
     * @param madeWith the Secret the worker Job's pod template names ({@code WorkerPodTemplate.modelApiKey})
     * @param now      the Secret the model names now, null for none
     */
    public static String modelApiKey(RewriterModel model, SecretKeyRef madeWith, SecretKeyRef now) {
        if (model == null || Objects.equals(madeWith, now)) {
            return null;
        }
        boolean deployed = model.getSpec() == null || model.getSpec().getEndpoint() == null;
        if (madeWith == null && deployed) {
            return null;
        }
        String named = "RewriterModel '" + model.getMetadata().getName() + "' names "
                + (now == null ? "no API key Secret" : "the API key Secret " + describe(now));
        String recreate = "delete this RewriteJob and apply it again (its committed shards are kept and skipped)";
        if (madeWith == null) {
            return named + " but the worker Job was created without one: a Job's pod template cannot change, so its"
                    + " worker pods send no key; to send it, " + recreate;
        }
        return named + " but the worker Job was created with " + describe(madeWith)
                + ": a Job's pod template cannot change, so its worker pods keep reading " + madeWith.getName()
                + (now == null ? " (and cannot start without it); to drop it, " : "; to send the new key, ")
                + recreate;
    }

    private static String describe(SecretKeyRef ref) {
        return ref.getName() + " (key " + ref.getKey() + ")";
    }

    /** The condition while the worker Job exists, else null. */
    public static Condition condition(
            ConditionAggregator aggregator,
            RewriteJobStatus previous,
            Long generation,
            boolean workerJob,
            List<String> notApplied) {
        if (!workerJob) {
            return null;
        }
        boolean applied = notApplied.isEmpty();
        return aggregator
                .from(previous == null ? null : previous.getConditions(), generation)
                .set(
                        TYPE,
                        applied,
                        applied ? APPLIED : NOT_APPLIED,
                        applied ? "every spec edit reached the running job" : String.join("; ", notApplied))
                .build()
                .get(0);
    }

    /** A Warning Event when the condition turns False or names other edits than before. */
    public static void recordChange(
            KubernetesClient client, RewriteJob job, RewriteJobStatus previous, Condition now, Instant at) {
        if (now == null || !NOT_APPLIED.equals(now.getReason())) {
            return;
        }
        Condition before = previous == null ? null : ConditionAggregator.find(previous.getConditions(), TYPE);
        if (before != null
                && NOT_APPLIED.equals(before.getReason())
                && now.getMessage().equals(before.getMessage())) {
            return;
        }
        PhaseEvents.record(client, job, "Warning", EVENT_REASON, now.getMessage(), at);
    }
}
