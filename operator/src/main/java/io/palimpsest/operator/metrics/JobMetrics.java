package io.palimpsest.operator.metrics;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriteJobStatus.DocumentCounts;
import io.palimpsest.operator.status.Rfc3339;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * RewriteJob metrics on /q/metrics, tagged by namespace and rewritejob (not job: Prometheus sets that to the scrape job), read from the status the
 * reconciler last wrote (so they say what {@code kubectl get rwj} says):
 * palimpsest_job_shards{state} (total, succeeded, failed, running, pending, and unconfirmed: of succeeded, committed
 * as their worker was stopped, whose index runs once more), palimpsest_job_documents{outcome} (read, written, rejected,
 * skipped committed; in_progress not yet), palimpsest_job_rejected{reason} and palimpsest_job_skipped{reason} (the
 * status's maps: 32 names and '(other)' at most), palimpsest_job_tokens{kind} (prompt, completion,
 * committed: never goes down within a job), palimpsest_job_tokens_in_progress{kind} (a level),
 * palimpsest_job_tokens_per_second,
 * palimpsest_job_documents_per_second, palimpsest_job_eta_seconds (NaN without an estimate),
 * palimpsest_job_phase{model, phase} (1 for the current phase, 0 for the others), and the progress
 * channel's palimpsest_progress_round_{pods,answered,seconds}. A deleted job's series are dropped
 * ({@link #retain}): label cardinality follows the jobs that exist.
 */
@ApplicationScoped
public class JobMetrics {
    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<ResourceID, PerJob> jobs = new ConcurrentHashMap<>();
    private volatile double roundPods;
    private volatile double roundAnswered;
    private volatile double roundSeconds;

    @Inject
    public JobMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        Gauge.builder("palimpsest.progress.round.pods", this, m -> m.roundPods)
                .description("Running worker pods the last live-progress round asked")
                .register(registry);
        Gauge.builder("palimpsest.progress.round.answered", this, m -> m.roundAnswered)
                .description("Running worker pods that answered the last live-progress round")
                .register(registry);
        Gauge.builder("palimpsest.progress.round.seconds", this, m -> m.roundSeconds)
                .description("Wall time of the last live-progress round")
                .register(registry);
    }

    public void round(int pods, int answered, double seconds) {
        roundPods = pods;
        roundAnswered = answered;
        roundSeconds = seconds;
    }

    /** Records the status just written (or found unchanged) for a job. */
    public void observed(ResourceID id, RewriteJobStatus status) {
        observed(id, "", status);
    }

    /**
     * Records the status just written (or found unchanged) for a job bound to {@code model} ("" for none): the
     * phase series carry the model, so an alert can join a waiting job to its model's replicas.
     */
    public void observed(ResourceID id, String model, RewriteJobStatus status) {
        if (status == null) {
            return;
        }
        String m = model == null ? "" : model;
        PerJob j = jobs.compute(id, (k, known) -> {
            if (known != null && known.model.equals(m)) {
                return known;
            }
            if (known != null) {
                known.remove(registry);
            }
            return register(k, m);
        });
        j.status = status;
        DocumentCounts docs = status.getDocuments();
        j.rejectedByReason.register(rows(docs == null ? null : docs.getRejectedByReason()), true);
        j.skippedByReason.register(rows(docs == null ? null : docs.getSkippedByReason()), true);
    }

    /** One row per reason the status names: the status bounds them (32 and '(other)'), so the series are too. */
    private static List<MultiGauge.Row<?>> rows(Map<String, Long> byReason) {
        return byReason == null
                ? List.of()
                : byReason.entrySet().stream()
                        .map(e -> MultiGauge.Row.of(Tags.of("reason", e.getKey()), e.getValue()))
                        .collect(Collectors.toList());
    }

    /** Drops the series of every job not in {@code existing} (deleted jobs). */
    public void retain(Set<ResourceID> existing) {
        for (ResourceID id : new ArrayList<>(jobs.keySet())) {
            if (!existing.contains(id)) {
                PerJob gone = jobs.remove(id);
                if (gone != null) {
                    gone.remove(registry);
                }
            }
        }
    }

    private PerJob register(ResourceID id, String model) {
        Tags tags = Tags.of("namespace", id.getNamespace().orElse(""), "rewritejob", id.getName());
        PerJob j = new PerJob(model);
        List<Meter> meters = new ArrayList<>();
        // unconfirmed is a part of succeeded, not a state beside it: a sum over every state counts it twice
        for (String state : List.of("total", "succeeded", "failed", "running", "pending", "unconfirmed")) {
            meters.add(gauge(
                    j,
                    "palimpsest.job.shards",
                    tags.and("state", state),
                    "Shards of the RewriteJob by state; unconfirmed: of succeeded, committed as their worker was "
                            + "stopped, whose index runs once more",
                    s -> s.getShards() == null
                            ? 0
                            : switch (state) {
                                case "total" -> s.getShards().getTotal();
                                case "succeeded" -> s.getShards().getSucceeded();
                                case "failed" -> s.getShards().getFailed();
                                case "running" -> s.getShards().getRunning();
                                case "unconfirmed" -> s.getShards().getUnconfirmed();
                                default -> s.getShards().getPending();
                            }));
        }
        for (String outcome : List.of("read", "written", "rejected", "skipped", "in_progress")) {
            meters.add(gauge(
                    j,
                    "palimpsest.job.documents",
                    tags.and("outcome", outcome),
                    "Documents of committed shards by outcome (from receipts); in_progress: answered by running shards, not committed",
                    s -> s.getDocuments() == null
                            ? 0
                            : switch (outcome) {
                                case "read" -> s.getDocuments().getRead();
                                case "written" -> s.getDocuments().getWritten();
                                case "rejected" -> s.getDocuments().getRejected();
                                case "skipped" -> s.getDocuments().getSkipped();
                                default -> nz(s.getDocuments().getInProgress());
                            }));
        }
        // Committed and in progress apart: at a commit the shard's answered tokens give way to its receipt's count,
        // which can be lower, so their sum could go down, and rate() reads a series that goes down as a reset.
        for (String kind : List.of("prompt", "completion")) {
            meters.add(gauge(
                    j,
                    "palimpsest.job.tokens",
                    tags.and("kind", kind),
                    "Tokens of committed shards (from their receipts); never goes down within a job",
                    s -> s.getTokens() == null
                            ? 0
                            : kind.equals("prompt")
                                    ? s.getTokens().getPrompt()
                                    : s.getTokens().getCompletion()));
            meters.add(gauge(
                    j,
                    "palimpsest.job.tokens.in.progress",
                    tags.and("kind", kind),
                    "Tokens the model has answered running shards' requests with so far, not committed; a level, "
                            + "a shard's part leaves it when the shard commits",
                    s -> s.getTokens() == null
                            ? 0
                            : kind.equals("prompt")
                                    ? nz(s.getTokens().getInProgressPrompt())
                                    : nz(s.getTokens().getInProgressCompletion())));
        }
        meters.add(gauge(
                j,
                "palimpsest.job.tokens.per.second",
                tags,
                "Completion tokens per second over the recent window",
                s -> s.getThroughput() == null ? 0 : s.getThroughput().getTokensPerSecond()));
        meters.add(gauge(
                j,
                "palimpsest.job.documents.per.second",
                tags,
                "Documents answered per second over the recent window",
                s -> s.getThroughput() == null || s.getThroughput().getDocumentsPerSecond() == null
                        ? 0
                        : s.getThroughput().getDocumentsPerSecond()));
        meters.add(gauge(
                j,
                "palimpsest.job.eta.seconds",
                tags,
                "Seconds until the estimated completion; NaN without an estimate",
                s -> s.getEstimatedCompletionTime() == null
                        ? Double.NaN
                        : Math.max(
                                0,
                                Rfc3339.parse(s.getEstimatedCompletionTime()).getEpochSecond()
                                        - clock.instant().getEpochSecond())));
        for (JobPhase phase : JobPhase.values()) {
            meters.add(gauge(
                    j,
                    "palimpsest.job.phase",
                    tags.and("model", model, "phase", phase.name()),
                    "1 for the RewriteJob's current phase",
                    s -> s.getPhase() == phase ? 1 : 0));
        }
        j.rejectedByReason = MultiGauge.builder("palimpsest.job.rejected")
                .tags(tags)
                .description(
                        "Committed documents rejected, by reason (32 reasons at most, named from their first count on; the rest as '(other)')")
                .register(registry);
        j.skippedByReason = MultiGauge.builder("palimpsest.job.skipped")
                .tags(tags)
                .description(
                        "Committed documents skipped, by reason (filter:<type> and the skip codes; 32 reasons at most, named from their first count on; the rest as '(other)')")
                .register(registry);
        j.meters = meters;
        return j;
    }

    private Meter gauge(
            PerJob j, String name, Tags tags, String description, ToDoubleFunction<RewriteJobStatus> value) {
        return Gauge.builder(name, j, p -> p.status == null ? Double.NaN : value.applyAsDouble(p.status))
                .tags(tags)
                .description(description)
                .register(registry);
    }

    private static long nz(Long v) {
        return v == null ? 0 : v;
    }

    private static final class PerJob {
        final String model;
        volatile RewriteJobStatus status;
        List<Meter> meters;
        MultiGauge rejectedByReason;
        MultiGauge skippedByReason;

        PerJob(String model) {
            this.model = model;
        }

        void remove(MeterRegistry registry) {
            meters.forEach(registry::remove);
            rejectedByReason.register(List.of(), true);
            skippedByReason.register(List.of(), true);
        }
    }
}
