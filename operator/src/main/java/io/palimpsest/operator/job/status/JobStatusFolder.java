package io.palimpsest.operator.job.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriteJobStatus.DocumentCounts;
import io.palimpsest.api.v1alpha1.RewriteJobStatus.ShardCounts;
import io.palimpsest.api.v1alpha1.RewriteJobStatus.ShardFailure;
import io.palimpsest.api.v1alpha1.RewriteJobStatus.TokenCounts;
import io.palimpsest.api.v1alpha1.ShardFailureReason;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.operator.job.observe.AttemptCharges;
import io.palimpsest.operator.job.observe.ClusterReadings;
import io.palimpsest.operator.job.observe.FinishedPod;
import io.palimpsest.operator.job.observe.WorkerJobView;
import io.palimpsest.operator.job.progress.InProgressTotals;
import io.palimpsest.operator.job.progress.ShardProgress;
import io.palimpsest.operator.job.ranges.CompactRanges;
import io.palimpsest.operator.job.ranges.RangeSet;
import io.palimpsest.operator.status.Rfc3339;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Folds what the cluster shows (the worker Job's status, terminated pods' summaries) into the
 * shard, document and token parts of a RewriteJob status. Pure: the previous status is not
 * modified; the same input gives the same output, and folding it again changes nothing.
 *
 * <p>Exactly once: a shard's summary is added to the totals only if the shard is not yet in
 * {@code countedShards}, which the fold keeps in the status itself, so a new operator instance
 * continues where the last one stopped. Summaries the operator never saw (pods garbage-collected
 * while it was down) leave their shards in {@link Result#uncounted()}; once the worker Job has
 * finished, the reconciler runs a tally Job and {@link #applyTally} replaces the totals.
 *
 * <p>Bounded: counts, range strings cut at {@link #RANGE_BUDGET} characters (the worker Job's own
 * status keeps the exact ones), {@code countedShards} in {@link CompactRanges} form, at most 20
 * recent failures with short messages, the shards an outage is failing ({@link OutageShards}) in the same
 * compact form.
 */
public final class JobStatusFolder {
    /** Per range string (completedShards, failedShards). */
    public static final int RANGE_BUDGET = 12 * 1024;

    private final Clock clock;

    public JobStatusFolder(Clock clock) {
        this.clock = clock;
    }

    /**
     * @param status    the recorded status (the fold's memory); null for a new job
     * @param uncounted committed shards whose summaries are not in the totals
     */
    public record Result(RewriteJobStatus status, RangeSet uncounted) {}

    public Result fold(RewriteJobStatus previous, long totalShards, WorkerJobView job, Collection<FinishedPod> pods) {
        return fold(previous, totalShards, job, pods, Map.of());
    }

    public Result fold(
            RewriteJobStatus previous,
            long totalShards,
            WorkerJobView job,
            Collection<FinishedPod> pods,
            Map<Integer, ShardProgress> live) {
        return fold(previous, totalShards, job, pods, live, false);
    }

    /**
     * @param live        the running shards' last readings (live progress), by shard; they add the in-progress
     *                    part, never to the committed totals. Null when they are not known yet (this operator
     *                    has not read the workers since it started or took over): the recorded in-progress part
     *                    and throughput stay as they are, as a sample without them would count the running
     *                    shards' work as lost, and the next one count it again as new.
     * @param workersHeld the workers may not run (the job is suspended, or held at parallelism 0); with no
     *                    worker pod left, nothing moves: no rates, no estimated completion
     */
    public Result fold(
            RewriteJobStatus previous,
            long totalShards,
            WorkerJobView job,
            Collection<FinishedPod> pods,
            Map<Integer, ShardProgress> live,
            boolean workersHeld) {
        RewriteJobStatus next = copyOf(previous);
        RangeSet counted = CompactRanges.decode(next.getCountedShards());
        DocumentCounts docs = next.getDocuments();
        TokenCounts tokens = next.getTokens();

        RangeSet.Builder newlyCounted = new RangeSet.Builder();
        List<ShardFailure> failures = new ArrayList<>();
        // Only a failure at least as new as the oldest kept one can enter the list: skip building the rest.
        Instant keptSince = RecentFailures.oldestKept(next.getRecentFailures());
        // Ascending shard order makes the outcome independent of the informer's iteration order.
        List<FinishedPod> ordered = new ArrayList<>(pods);
        ordered.sort(Comparator.comparingInt(FinishedPod::shard).thenComparingInt(FinishedPod::attempt));
        int lastCounted = -1;
        for (FinishedPod pod : ordered) {
            if (pod.shard() < 0 || pod.shard() >= totalShards) {
                continue;
            }
            if (pod.reportsCommit()) {
                if (pod.shard() != lastCounted && !counted.contains(pod.shard())) {
                    add(docs, tokens, pod.summary());
                    newlyCounted.add(pod.shard());
                    lastCounted = pod.shard();
                }
            } else if (pod.isShardFailure()
                    && (keptSince == null
                            || pod.finishedAt() == null
                            || !pod.finishedAt().isBefore(keptSince))) {
                failures.add(failureOf(pod));
            }
        }
        counted = counted.union(newlyCounted.build());

        // A shard is succeeded once it is committed: its index completed, or a worker's summary said it committed
        // it, also one stopped on SIGTERM just after its commit, whose index the worker Job runs once more (it finds
        // the receipt). Those are shown succeeded and counted apart, as the decisions still have them to run.
        long unconfirmed = unconfirmed(counted, job, totalShards);
        long failed = job.failed().cardinality();
        long succeeded = job.completed().cardinality() + unconfirmed;
        long running = Math.min(job.active(), Math.max(0, totalShards - succeeded - failed));
        next.setShards(new ShardCounts(
                totalShards,
                succeeded,
                failed,
                running,
                Math.max(0, totalShards - succeeded - failed - running),
                unconfirmed));
        next.setProgress(succeeded + "/" + totalShards);
        next.setCompletedShards(blankToNull(job.completed().format(RANGE_BUDGET)));
        next.setFailedShards(blankToNull(job.failed().format(RANGE_BUDGET)));
        next.setCountedShards(blankToNull(CompactRanges.encode(counted)));
        next.setRecentFailures(RecentFailures.merge(next.getRecentFailures(), failures));
        // what decides the job once the worker Job finishes, whether or not these pods can still be read then
        next.setOutageShards(OutageShards.encode(OutageShards.kept(
                job.completed(),
                ordered.stream()
                        .filter(p -> p.shard() >= 0 && p.shard() < totalShards)
                        .toList(),
                OutageShards.decode(next.getOutageShards()))));
        boolean known = live != null || job.state().isFinished();
        if (known) {
            InProgressTotals inProgress = job.state().isFinished()
                    ? InProgressTotals.NONE
                    : InProgressTotals.of(live, counted, job.completed(), job.failed());
            boolean reading = inProgress.shards() > 0;
            docs.setInProgress(reading ? inProgress.documents() : null);
            tokens.setInProgressPrompt(reading ? inProgress.promptTokens() : null);
            tokens.setInProgressCompletion(reading ? inProgress.completionTokens() : null);
            next.setThroughput(ThroughputWindow.sample(
                    next.getThroughput(),
                    succeeded + failed,
                    reading ? succeeded + failed + inProgress.shardFraction() : null,
                    tokens.getCompletion() + inProgress.completionTokens(),
                    docs.getRead() + inProgress.documents(),
                    clock.instant()));
        }
        boolean idle = workersHeld && running == 0 && !job.state().isFinished();
        if (idle) {
            next.setThroughput(ThroughputWindow.stopped(next.getThroughput()));
        }
        next.setEstimatedCompletionTime(
                job.state().isFinished() || idle ? null : ThroughputWindow.eta(next.getThroughput(), totalShards));
        return new Result(next, job.completed().minus(counted));
    }

    /**
     * Committed shards (in {@code counted}) the worker Job has neither completed nor failed: their workers were
     * stopped after the commit. An index the Job failed stays failed here: once every index has ended, the
     * reconciler hands the fold a failed index whose shard committed as completed (CommittedFailedShards).
     */
    private static long unconfirmed(RangeSet counted, WorkerJobView job, long totalShards) {
        if (totalShards <= 0) {
            return 0;
        }
        return counted.minus(job.completed())
                .minus(job.failed())
                .intersect(RangeSet.range(0, (int) Math.min(Integer.MAX_VALUE, totalShards) - 1))
                .cardinality();
    }

    /**
     * The job ended (Succeeded or Failed): its rates are 0 and it has no estimated completion and
     * nothing in progress, as the last sample taken while it ran would otherwise stay in the status
     * for good. The last sample stays the basis of the next one (a job back from InvalidSpec).
     */
    public static void ended(RewriteJobStatus status) {
        status.setThroughput(ThroughputWindow.stopped(status.getThroughput()));
        status.setEstimatedCompletionTime(null);
        if (status.getDocuments() != null) {
            status.getDocuments().setInProgress(null);
        }
        if (status.getTokens() != null) {
            status.getTokens().setInProgressPrompt(null);
            status.getTokens().setInProgressCompletion(null);
        }
    }

    /**
     * Replaces the folded totals by the sums over the receipts in storage (authoritative), and
     * marks every committed shard as counted so no late summary is added on top.
     */
    public RewriteJobStatus applyTally(RewriteJobStatus previous, Tally tally, RangeSet completed) {
        RewriteJobStatus next = copyOf(previous);
        DocumentCounts before = next.getDocuments();
        next.setDocuments(new DocumentCounts(
                tally.getRead(),
                tally.getWritten(),
                tally.getRejected(),
                tally.getSkipped(),
                KeptNames.replace(before.getWrittenByVariant(), tally.getWrittenByVariant()),
                null,
                KeptNames.replace(before.getRejectedByReason(), tally.getRejectedByReason()),
                KeptNames.replace(before.getSkippedByReason(), tally.getSkippedByReason())));
        next.setTokens(new TokenCounts(tally.getPromptTokens(), tally.getCompletionTokens()));
        RangeSet counted = CompactRanges.decode(next.getCountedShards()).union(completed);
        next.setCountedShards(blankToNull(CompactRanges.encode(counted)));
        next.setThroughput(ThroughputWindow.rebase(next.getThroughput(), tally.getCompletionTokens()));
        return next;
    }

    private static void add(DocumentCounts docs, TokenCounts tokens, ShardSummary s) {
        docs.setRead(docs.getRead() + s.getRead());
        docs.setWritten(docs.getWritten() + s.getWritten());
        docs.setRejected(docs.getRejected() + s.getRejected());
        docs.setSkipped(docs.getSkipped() + s.getSkipped());
        // a name once named stays named (KeptNames): no count by name goes down while the job lives
        docs.setWrittenByVariant(KeptNames.merge(docs.getWrittenByVariant(), s.getWrittenByVariant()));
        docs.setRejectedByReason(KeptNames.merge(docs.getRejectedByReason(), s.getRejectedByReason()));
        docs.setSkippedByReason(KeptNames.merge(docs.getSkippedByReason(), s.getSkippedByReason()));
        tokens.setPrompt(tokens.getPrompt() + s.getPromptTokens());
        tokens.setCompletion(tokens.getCompletion() + s.getCompletionTokens());
    }

    public static ShardFailure failureOf(FinishedPod pod) {
        ShardSummary s = pod.summary();
        String reason;
        String message;
        if (AttemptCharges.refused(pod)) {
            reason = ShardFailureReason.AttemptsExhausted.name();
            message = s != null && s.getMessage() != null ? s.getMessage() : pod.message();
        } else if (s != null && s.getOutcome() != null) {
            // one vocabulary for status reasons (ShardFailureReason, or the kubelet's); the worker's
            // finer reason code (ShardReason) leads the message
            reason = reasonOf(s.getOutcome()).name();
            message = s.getReason() == null
                    ? s.getMessage()
                    : s.getMessage() == null ? s.getReason() : s.getReason() + ": " + s.getMessage();
        } else if (s != null && s.getReason() != null) {
            reason = s.getReason();
            message = s.getMessage();
        } else if (pod.exitCode() != null && pod.exitCode() == ExitCodes.BAD_DATA) {
            reason = ShardFailureReason.BadData.name();
            message = pod.message();
        } else if (pod.exitCode() != null && pod.exitCode() == ExitCodes.MODEL_CONFIG) {
            reason = ShardFailureReason.ModelConfig.name();
            message = pod.message();
        } else if (pod.exitCode() != null && pod.exitCode() == ExitCodes.MODEL_UNREACHABLE) {
            reason = ShardFailureReason.ModelUnreachable.name();
            message = pod.message();
        } else {
            reason = pod.reason() != null ? pod.reason() : ShardFailureReason.Error.name();
            message = pod.message() != null
                    ? pod.message()
                    : pod.exitCode() != null ? "exit code " + pod.exitCode() : null;
        }
        return new ShardFailure(
                pod.shard(), pod.attempt(), reason, ClusterReadings.cut(message), Rfc3339.format(pod.finishedAt()));
    }

    private static ShardFailureReason reasonOf(ShardSummary.Outcome outcome) {
        return switch (outcome) {
            case badData -> ShardFailureReason.BadData;
            case modelUnreachable -> ShardFailureReason.ModelUnreachable;
            case storeUnreachable -> ShardFailureReason.StoreUnreachable;
            case modelConfig -> ShardFailureReason.ModelConfig;
            default -> ShardFailureReason.Error;
        };
    }

    /**
     * Copies every field, nulls and empty collections as they are, through Jackson with no
     * inclusion rule: a field added to the status is copied without a line here, and the fold never
     * writes into the caller's objects.
     */
    private static final ObjectMapper COPIER = new ObjectMapper()
            .setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public JsonInclude.Value findPropertyInclusion(Annotated a) {
                    return JsonInclude.Value.empty();
                }
            });

    /** A deep copy of {@code s}; counts and lists the fold adds to are never null in it. */
    public static RewriteJobStatus copyOf(RewriteJobStatus s) {
        RewriteJobStatus c;
        try {
            c = s == null ? new RewriteJobStatus() : COPIER.treeToValue(COPIER.valueToTree(s), RewriteJobStatus.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot copy a RewriteJob status", e);
        }
        if (c.getDocuments() == null) {
            c.setDocuments(new DocumentCounts());
        }
        if (c.getTokens() == null) {
            c.setTokens(new TokenCounts());
        }
        if (s != null && c.getRecentFailures() == null) {
            c.setRecentFailures(new ArrayList<>());
        }
        if (s != null && c.getConditions() == null) {
            c.setConditions(new ArrayList<>());
        }
        return c;
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
