package io.palimpsest.operator.job.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.lint.FieldError;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.operator.status.ConditionAggregator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the spec's edits reached what runs: the {@value #TYPE} condition, present once the worker
 * Job exists, False naming each edit that did not (a field the worker Job or the plan was made from
 * and that Kubernetes does not let change, see {@code MadeFrom}), with a Warning Event when that
 * list changes. Edits the operator applies (parallelism, suspend, maxFailedShards, what job.yaml
 * carries) are not listed: they are applied.
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
