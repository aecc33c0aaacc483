package io.palimpsest.operator.job.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.operator.job.JobPhaseMachine;
import io.palimpsest.operator.job.JobPhaseMachine.Decision;
import io.palimpsest.operator.job.ranges.RangeSet;
import io.palimpsest.operator.pods.NotStarting;
import io.palimpsest.operator.status.ConditionAggregator;
import java.util.List;

/**
 * The full condition set for a phase decision. Complete/Failed mirror the phase; Reconciling and
 * Stalled are kstatus' abnormal-true pair (a job is InProgress while it plans or runs, Failed
 * when Stalled, Current when suspended or done); Degraded says some shards failed for good.
 */
public final class JobConditions {
    private JobConditions() {}

    /**
     * @param message what to tell the user about the phase (validation errors, the planner's failure), or null
     * @param tallyFailed the totals could not be confirmed from the receipts
     */
    public static List<Condition> build(
            ConditionAggregator aggregator,
            RewriteJobStatus status,
            Long generation,
            Decision decision,
            String message,
            boolean tallyFailed) {
        return build(aggregator, status, generation, decision, message, tallyFailed, null);
    }

    /**
     * @param notStarting the job's pods that do not start, or null: while the job plans or runs, they
     *                    are told in the Ready message and in a PodsNotStarting condition
     */
    public static List<Condition> build(
            ConditionAggregator aggregator,
            RewriteJobStatus status,
            Long generation,
            Decision decision,
            String message,
            boolean tallyFailed,
            NotStarting notStarting) {
        return build(aggregator, status, generation, decision, message, tallyFailed, notStarting, null);
    }

    /**
     * @param stillWriting what of a job that has ended may still write to its output ({@code OutputWriters}), or
     *                     null: while there is, Reconciling is True with {@link JobReason#WorkersStopping}, and the
     *                     output stays the job's ({@code SharedOutput})
     */
    public static List<Condition> build(
            ConditionAggregator aggregator,
            RewriteJobStatus status,
            Long generation,
            Decision decision,
            String message,
            boolean tallyFailed,
            NotStarting notStarting,
            String stillWriting) {
        JobPhase phase = decision.phase();
        String reason = decision.reason() == null ? null : decision.reason().name();
        NotStarting stuck = phase.isTerminal() ? null : notStarting;
        String said = message != null ? message : describe(status, decision);
        String text = stuck == null ? said : (said == null || said.isEmpty() ? "" : said + "; ") + stuck.text();
        boolean working = phase == JobPhase.Planning || phase == JobPhase.Running;
        boolean waiting = phase == JobPhase.Pending;
        boolean healthy = phase == JobPhase.Succeeded
                || (phase == JobPhase.Running
                        && !JobPhaseMachine.held(decision.reason())
                        && decision.reason() != JobReason.NameTaken
                        && decision.reason() != JobReason.Queued
                        && decision.reason() != JobReason.Forbidden);
        long failedShards = status.getShards() == null ? 0 : status.getShards().getFailed();

        ConditionAggregator.Pass pass = aggregator
                .from(status.getConditions(), generation)
                .ready(healthy, reason, text)
                .progressing(working, reason, text);
        if (tallyFailed) {
            pass.degraded(
                    true,
                    JobReason.TallyFailed.name(),
                    "could not sum the receipts; documents and tokens count only the summaries seen");
        } else if (failedShards > 0) {
            pass.degraded(
                    true,
                    JobReason.ShardsFailed.name(),
                    failedShards + " shard(s) failed for good: "
                            + (status.getFailedShards() == null
                                    ? ""
                                    : RangeSet.parse(trimMark(status.getFailedShards()))
                                            .format(200)));
        } else {
            pass.degraded(false, JobReason.NoFailedShards.name(), "");
        }
        pass.set(
                Conditions.COMPLETE,
                phase == JobPhase.Succeeded,
                phase == JobPhase.Succeeded ? reason : JobReason.NotComplete.name(),
                phase == JobPhase.Succeeded ? text : "");
        pass.set(
                Conditions.FAILED,
                phase == JobPhase.Failed,
                phase == JobPhase.Failed ? reason : JobReason.NotFailed.name(),
                phase == JobPhase.Failed ? text : "");
        if (phase.isTerminal() && stillWriting != null) {
            pass.set(
                    Conditions.RECONCILING,
                    true,
                    JobReason.WorkersStopping.name(),
                    "the job has " + phase.name() + "; its workers are stopping (" + stillWriting
                            + "): nothing new starts, and the output stays this job's until none of them can write"
                            + " there");
        } else {
            pass.set(Conditions.RECONCILING, working || waiting, reason, working || waiting ? text : "");
        }
        pass.set(Conditions.STALLED, phase == JobPhase.Failed, reason, phase == JobPhase.Failed ? text : "");
        if (stuck != null) {
            pass.set(Conditions.PODS_NOT_STARTING, true, stuck.cause(), stuck.text());
        }
        return pass.build();
    }

    static String describe(RewriteJobStatus status, Decision d) {
        return switch (d.phase()) {
            case Pending ->
                d.reason() == JobReason.ModelNotFound
                        ? "waiting for the RewriterModel"
                        : d.reason() == JobReason.ModelFailed ? "waiting for the RewriterModel to be fixed" : "pending";
            case Planning -> "listing the input and cutting shards";
            case Running ->
                d.reason() == JobReason.Tallying
                        ? status.getShards() == null || status.getShards().getFailed() == 0
                                ? "all shards finished; summing the receipts for exact totals"
                                // a failed index may hide a committed shard (CommittedFailedShards)
                                : "all shards finished; reading the receipts for exact totals and for which of the "
                                        + status.getShards().getFailed() + " failed shard(s) committed all the same"
                        : d.reason() == JobReason.Queued
                                ? "the worker Job waits for Kueue to admit it"
                                : (status.getProgress() == null
                                        ? "starting"
                                        : status.getProgress() + " shards committed");
            case Suspended -> "suspended; committed shards are kept";
            case Succeeded -> status.getProgress() == null ? "done" : status.getProgress() + " shards committed";
            case Failed -> d.reason() == null ? null : d.reason().name();
        };
    }

    private static String trimMark(String ranges) {
        return ranges.endsWith(RangeSet.TRUNCATION_MARK)
                ? ranges.substring(0, ranges.length() - RangeSet.TRUNCATION_MARK.length())
                : ranges;
    }
}
