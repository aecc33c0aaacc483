package io.palimpsest.operator.job;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.worker.AttemptLedger;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.operator.AdmissionPolicy;
import io.palimpsest.operator.PalimpsestConfig;
import io.palimpsest.operator.job.JobPhaseMachine.Decision;
import io.palimpsest.operator.job.JobPhaseMachine.JobReasons;
import io.palimpsest.operator.status.ConditionAggregator;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Orchestrates a RewriteJob: observe (informer caches only) -> validate -> decide the phase ->
 * act on the owned objects -> one status patch at the end, only when it changed. The decisions
 * are in {@link JobPhaseMachine}, {@link JobStatusFolder}, {@link ParallelismPolicy} and
 * {@link SpecValidator}; the objects are built by {@link ResolvedJobConfigMap},
 * {@link PlannerJob}, {@link WorkerJob} and {@link TallyJob}.
 */
@ControllerConfiguration(name = RewriteJobReconciler.NAME)
public class RewriteJobReconciler implements Reconciler<RewriteJob> {
    public static final String NAME = "rewritejob";
    static final String BY_MODEL = "byModel";

    @Inject
    Clock clock;
    @Inject
    ConditionAggregator conditions;
    @Inject
    JobSettings settings;
    @Inject
    PalimpsestConfig config;
    /** Live progress: running shards' readings, kept by the scraper outside reconcile. Null when built by hand (tests). */
    @Inject
    io.palimpsest.operator.job.progress.LiveProgress liveProgress;
    @Inject
    io.palimpsest.operator.job.progress.WorkerProgressScraper progressScraper;
    @Inject
    io.palimpsest.operator.metrics.JobMetrics jobMetrics;
    /** The model's pods as the autoscaler sees them: their load times, for the preview's estimate. Null when built by hand (tests). */
    @Inject
    io.palimpsest.operator.model.autoscale.PodAddressResolver modelPods;

    private InformerEventSource<Job, RewriteJob> jobs;
    /** How long worker pods took to start, kept from every job's finished pods: for the previews of later jobs. */
    private final WorkerStarts workerStarts = new WorkerStarts();
    /** Enough for the cluster's terminated-pod GC threshold (12,500) several times over. */
    private final PodReadings podReadings = new PodReadings(50_000);
    StatusWriter statusWriter = RewriteJobReconciler::replaceStatus;

    @Override
    public List<EventSource<?, RewriteJob>> prepareEventSources(EventSourceContext<RewriteJob> context) {
        IndexerResourceCache<RewriteJob> primaries = context.getPrimaryCache();
        primaries.addIndexer(BY_MODEL, j -> j.getSpec() == null || j.getSpec().getModelRef() == null ? List.of()
                : List.of(modelKey(j.getMetadata().getNamespace(), j.getSpec().getModelRef().getName())));

        jobs = new InformerEventSource<>(InformerEventSourceConfiguration.from(Job.class, RewriteJob.class)
                .withLabelSelector(RewriteJobNames.JOB_LABEL).build(), context);
        var configMaps = new InformerEventSource<>(InformerEventSourceConfiguration.from(ConfigMap.class, RewriteJob.class)
                .withLabelSelector(RewriteJobNames.JOB_LABEL).build(), context);
        // Pods matter once they terminate: that is when their summary appears.
        var pods = new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, RewriteJob.class)
                .withLabelSelector(RewriteJobNames.JOB_LABEL)
                .withSecondaryToPrimaryMapper(p -> Set.of(new ResourceID(
                        p.getMetadata().getLabels().get(RewriteJobNames.JOB_LABEL), p.getMetadata().getNamespace())))
                .withOnAddFilter(RewriteJobReconciler::terminated)
                .withOnUpdateFilter((now, before) -> terminated(now) && !terminated(before))
                .build(), context);
        var models = new InformerEventSource<>(InformerEventSourceConfiguration.from(RewriterModel.class, RewriteJob.class)
                .withSecondaryToPrimaryMapper(m -> primaries.byIndex(BY_MODEL,
                                modelKey(m.getMetadata().getNamespace(), m.getMetadata().getName())).stream()
                        .map(ResourceID::fromResource).collect(Collectors.toSet()))
                .withPrimaryToSecondaryMapper((RewriteJob j) -> j.getSpec() == null || j.getSpec().getModelRef() == null ? Set.of()
                        : Set.of(new ResourceID(j.getSpec().getModelRef().getName(), j.getMetadata().getNamespace())))
                .build(), context);
        if (progressScraper != null) {
            progressScraper.watch(() -> pods.list(p -> true).toList(),
                    () -> primaries.list().map(ResourceID::fromResource).collect(Collectors.toSet()));
            return List.of(jobs, configMaps, pods, models, progressScraper.eventSource());
        }
        return List.of(jobs, configMaps, pods, models);
    }

    @Override
    public UpdateControl<RewriteJob> reconcile(RewriteJob job, Context<RewriteJob> context) {
        RewriteJobStatus previous = job.getStatus();
        JobPhase recorded = previous == null ? null : previous.getPhase();
        String recordedReason = phaseReason(previous);
        long generation = Objects.requireNonNullElse(job.getMetadata().getGeneration(), 0L);
        // A finished job's numbers are final; only its description may still sharpen (a failed pod seen late).
        boolean finished = recorded != null && recorded.isTerminal() && !JobReasons.INVALID_SPEC.equals(recordedReason);

        Observation seen = Observation.of(job, context, settings);
        workerStarts.record(job.getMetadata().getNamespace(), seen.pods(), p -> podReadings.finishedPod(p, RangeSet.empty()));
        PreviewJob.Reading preview = PreviewJob.read(context.getSecondaryResources(Job.class), seen.pods());
        Instant now = clock.instant();
        OwnedResources owned = new OwnedResources(context.getClient(), job);

        boolean notStarted = recorded == null || recorded == JobPhase.Pending
                || (recorded == JobPhase.Failed && JobReasons.INVALID_SPEC.equals(recordedReason));
        List<SpecValidator.Violation> violations = notStarted ? validate(job) : List.of();

        // Shards and documents.
        JobStatusFolder folder = new JobStatusFolder(clock);
        Long shards = seen.shards();
        JobStatusFolder.Result fold = shards == null || finished ? null
                : folder.fold(previous, shards, seen.worker(), seen.finishedWorkerPods(podReadings),
                liveProgress == null ? java.util.Map.of() : liveProgress.of(ResourceID.fromResource(job)));
        RewriteJobStatus next = fold == null ? JobStatusFolder.copyOf(previous) : fold.status();

        // Exact totals from the receipts when summaries went missing.
        JobPhaseMachine.TallyState tally = JobPhaseMachine.TallyState.NOT_NEEDED;
        if (fold != null && seen.worker().state().allShardsSettled() && !fold.uncounted().isEmpty()) {
            tally = switch (seen.tallyState()) {
                case ABSENT -> JobPhaseMachine.TallyState.PENDING;
                case RUNNING -> JobPhaseMachine.TallyState.RUNNING;
                case FAILED -> JobPhaseMachine.TallyState.FAILED;
                case SUCCEEDED -> seen.tally() == null ? JobPhaseMachine.TallyState.RUNNING : JobPhaseMachine.TallyState.NOT_NEEDED;
            };
            if (seen.tally() != null) {
                next = folder.applyTally(next, seen.tally(), seen.worker().completed());
            } else if (seen.tallyState() == ClusterReadings.HelperState.SUCCEEDED) {
                owned.delete(seen.tallyJob()); // its pod is gone with the result: run it again
            }
        }

        if (preview.summary() != null && next.getEstimate() == null) {
            next.setEstimate(PreviewJob.estimate(job, preview.summary()));
        }

        boolean suspend = Boolean.TRUE.equals(job.getSpec().getSuspend());
        // A recipe that calls no model names none (the CRD's CEL rule and SpecValidator see to it): nothing to wait for.
        boolean modelFound = seen.model() != null || job.getSpec().getModelRef() == null;
        Decision decision = JobPhaseMachine.settle(new JobPhaseMachine.Inputs(recorded, recordedReason,
                violations.isEmpty(), modelFound, seen.plannerState(), shards, seen.worker().state(), suspend, tally));
        if (!finished) {
            decision = ModelRefusals.refine(decision, seen.finishedWorkerPods(podReadings));
        }

        Duration recheck;
        String rejection = null;
        try {
            recheck = act(job, decision, seen, shards, next, tally, owned, now);
            if (PreviewJob.due(job, decision.phase(), previous, preview, seen.readyReplicas() > 0)) {
                var model = ResolvedJobConfigMap.resolve(job, seen.model(), settings).getModel();
                created(job, owned.create(PreviewJob.desired(job, image(job), model == null ? null : model.getEndpoint(),
                        seen.model(), seen.modelApiKey(), settings, previewInputs(job, seen))));
            }
        } catch (OwnedResources.Rejected r) {
            // The same object would be refused again: end the job with the server's reason, never loop on it.
            decision = new Decision(JobPhase.Failed, r.reason());
            rejection = r.getMessage();
            recheck = null;
        }

        String recipeHash = JobResolver.recipeHash(job.getSpec());
        next.setPhase(decision.phase());
        next.setRecipeHash(recipeHash);
        next.setObservedGeneration(generation);
        if (next.getStartTime() == null && seen.workerJob() != null) {
            next.setStartTime(seen.workerJob().getMetadata().getCreationTimestamp());
        }
        if (decision.phase().isTerminal() && next.getCompletionTime() == null) {
            next.setCompletionTime(rfc3339(now));
        }
        String message = rejection != null ? rejection : JobReasons.MODEL_CONFIG.equals(decision.reason())
                ? modelRefusal(previous, seen) : message(job, decision, violations, seen);
        next.setConditions(JobConditions.build(conditions, next, generation, decision, message,
                tally == JobPhaseMachine.TallyState.FAILED));
        var previewed = PreviewJob.condition(conditions, job, next, generation, previous, preview);
        if (previewed != null) {
            next.getConditions().add(previewed);
        }

        if (decision.phase() != recorded) {
            PhaseEvents.phaseChanged(context.getClient(), job, recorded, decision.phase(), decision.reason(), message, now);
        }
        if (fold != null) {
            ShardFailureEvents.record(context.getClient(), job, previous, next, now);
        }
        if (!next.equals(previous)) {
            statusWriter.write(job, next, context);
        }
        if (jobMetrics != null) {
            jobMetrics.observed(ResourceID.fromResource(job),
                    job.getSpec() == null || job.getSpec().getModelRef() == null ? "" : job.getSpec().getModelRef().getName(), next);
        }
        UpdateControl<RewriteJob> control = UpdateControl.noUpdate();
        return recheck == null ? control : control.rescheduleAfter(recheck);
    }

    /** The spec's own rules, then what the cluster's policy allows it to name (images, Secrets). */
    private List<SpecValidator.Violation> validate(RewriteJob job) {
        List<SpecValidator.Violation> out = new java.util.ArrayList<>(SpecValidator.validate(job));
        out.addAll(AdmissionPolicy.from(config.policy()).check(job));
        return out;
    }

    /** How the one status write of a reconcile is made; tests replace it to run without the framework. */
    interface StatusWriter {
        void write(RewriteJob job, RewriteJobStatus next, Context<RewriteJob> context);
    }

    /**
     * Replaces the whole status, guarded by the resourceVersion this reconcile read (a conflict
     * means a newer state exists: the framework retries from it), and caches the result so the
     * next reconcile starts from it. A JSON-patch diff against the cached copy would be computed
     * from a possibly stale base; a replace cannot misapply.
     */
    static void replaceStatus(RewriteJob job, RewriteJobStatus next, Context<RewriteJob> context) {
        PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(job, context, fresh -> {
            fresh.setStatus(next);
            return fresh;
        });
    }

    /** Brings the owned objects to what the phase needs; returns when to look again, if time alone changes anything. */
    private Duration act(RewriteJob job, Decision decision, Observation seen, Long shards, RewriteJobStatus next,
                         JobPhaseMachine.TallyState tally, OwnedResources owned, Instant now) {
        JobPhase phase = decision.phase();
        if (phase != JobPhase.Planning && phase != JobPhase.Running && phase != JobPhase.Suspended) {
            return null;
        }
        String image = job.getSpec().getWorkers() != null && job.getSpec().getWorkers().getImage() != null
                ? job.getSpec().getWorkers().getImage() : config.worker().image();
        Duration capCheck = ensureConfigMap(job, seen, owned, now);
        if (phase == JobPhase.Planning) {
            if (seen.plannerJob() == null) {
                created(job, owned.create(PlannerJob.desired(job, image, settings, seen.fleetWorkers(job, policy()))));
            } else if (seen.plannerState() == JobPhaseMachine.PlannerState.NOT_STARTED) {
                owned.delete(seen.plannerJob()); // finished, but its pod and the count are gone: plan again
            }
            return capCheck;
        }
        if (seen.plannerJob() != null && seen.plannedShardsUnrecorded()) {
            owned.mergePatch(seen.plannerJob(), "{\"metadata\":{\"annotations\":{\"" + RewriteJobNames.SHARDS_ANNOTATION
                    + "\":\"" + shards + "\"}}}");
        }
        boolean suspend = phase == JobPhase.Suspended;
        ParallelismPolicy policy = policy();
        // The model deleted under a running job: no worker runs until it is back. Workers would only
        // fail to reach it and spend the shards' retries; stopped by the scale-in they are not charged.
        boolean modelGone = job.getSpec().getModelRef() != null && seen.model() == null;
        int parallelism = modelGone ? 0 : Math.min(WorkerJobLimits.maxParallelism(shards), job.getSpec().getModelRef() == null
                ? policy.parallelismWithoutModel(seen.explicitParallelism(job), suspend, seen.remainingShards(next))
                : policy.parallelism(seen.demand(job, suspend, next)));
        Job worker = seen.workerJob();
        if (worker == null && !seen.worker().state().isFinished()) {
            boolean queued = job.getSpec().getQueueName() != null; // Kueue admits by unsuspending
            refuseBeyondLimits(job, WorkerJobLimits.plan(shards,
                    job.getSpec().getRetry() == null ? null : job.getSpec().getRetry().getMaxFailedShards()).violations());
            Job desired = WorkerJob.desired(job, shards, parallelism, suspend || queued, image, seen.modelApiKey(), settings);
            refuseBeyondLimits(job, WorkerJobLimits.check(desired.getSpec()));
            created(job, owned.create(desired));
        } else if (worker != null && !seen.worker().state().isFinished()) {
            boolean kueueOwnsResume = job.getSpec().getQueueName() != null && !suspend;
            boolean suspendedNow = Boolean.TRUE.equals(worker.getSpec().getSuspend());
            Boolean suspendPatch = kueueOwnsResume || suspendedNow == suspend ? null : suspend;
            boolean parallelismChanged = !Objects.equals(worker.getSpec().getParallelism(), parallelism);
            if (suspendPatch != null || parallelismChanged) {
                owned.mergePatch(worker, "{\"spec\":{\"parallelism\":" + parallelism
                        + (suspendPatch == null ? "" : ",\"suspend\":" + suspendPatch) + "}}");
            }
        }
        if (tally == JobPhaseMachine.TallyState.PENDING) {
            Instant due = seen.worker().finishedAt() == null ? now : seen.worker().finishedAt().plus(settings.tallyGrace());
            if (!now.isBefore(due)) {
                created(job, owned.create(TallyJob.desired(job, image, settings)));
            } else {
                return capCheck != null ? capCheck : Duration.between(now, due).plusSeconds(1);
            }
        }
        return capCheck;
    }

    /**
     * What the preview's estimate of the paid replica time needs from the cluster: the model's
     * replicas' load time from their pods, a worker's start from this job's finished worker pods,
     * else from the namespace's earlier jobs' ones, and the planner's shards.
     */
    private PreviewJob.Inputs previewInputs(RewriteJob job, Observation seen) {
        var load = modelPods == null || seen.model() == null ? null : modelPods.loadTimes(seen.model()).orElse(null);
        var start = workerStarts.forPreview(job.getMetadata().getNamespace(), seen.pods().stream().filter(RewriteJobReconciler::terminated).toList(),
                p -> podReadings.finishedPod(p, RangeSet.empty())).orElse(null);
        return new PreviewJob.Inputs(load, start, seen.shards());
    }

    private ParallelismPolicy policy() {
        return new ParallelismPolicy(new ParallelismPolicy.Settings(settings.headroom(),
                settings.defaultConcurrencyPerWorker(), settings.maxParallelism()));
    }

    private String image(RewriteJob job) {
        return job.getSpec().getWorkers() != null && job.getSpec().getWorkers().getImage() != null
                ? job.getSpec().getWorkers().getImage() : config.worker().image();
    }

    /** A worker Job the API server would refuse is not sent: the job ends with the rules it breaks. */
    private static void refuseBeyondLimits(RewriteJob job, List<SpecValidator.Violation> violations) {
        if (!violations.isEmpty()) {
            throw new OwnedResources.Rejected(JobReasons.INVALID_WORKER_JOB, "the worker Job " + RewriteJobNames.workerJob(job)
                    + " would be refused by the API server: " + SpecValidator.describe(violations));
        }
    }

    /** Returns when to look again for a pod past the attempts cap that is not running yet, or null. */
    private Duration ensureConfigMap(RewriteJob job, Observation seen, OwnedResources owned, Instant now) {
        ConfigMap existing = seen.configMap();
        // Written before any resume or scale-out below, so the pods those start read the current ledger.
        RangeSet counted = job.getStatus() == null ? RangeSet.empty() : CompactRanges.decode(job.getStatus().getCountedShards());
        AttemptLedger ledger = AttemptCharges.ledger(seen.finishedWorkerPods(podReadings), counted::contains,
                WorkerJob.attemptsPerShard(job), settings.modelUnreachableRetries(), ResolvedJobConfigMap.ledgerOf(existing), now);
        ConfigMap desired = existing != null && seen.model() == null && job.getSpec().getModelRef() != null
                ? ResolvedJobConfigMap.withLedger(existing, ledger) // keep the endpoint workers already use while the model is away
                : ResolvedJobConfigMap.desired(job, ResolvedJobConfigMap.resolve(job, seen.model(), settings), ledger);
        var tooLarge = ResolvedJobConfigMap.tooLarge(job, desired);
        if (tooLarge.isPresent()) {
            // The API server would refuse every create and update of it: end the job, do not loop on it.
            throw new OwnedResources.Rejected(JobReasons.RESOLVED_JOB_TOO_LARGE, tooLarge.get());
        }
        if (existing == null) {
            owned.create(desired);
        } else if (!Objects.equals(existing.getData(), desired.getData())) {
            owned.replace(existing, desired);
        }
        List<Pod> pastTheCap = AttemptCharges.pastTheCap(seen.pods(), ledger);
        pastTheCap.stream().filter(AttemptCharges::running).forEach(owned::delete);
        return pastTheCap.stream().anyMatch(p -> !AttemptCharges.running(p)) ? Duration.ofSeconds(1) : null;
    }

    /** Puts what was just created into the informer cache, so the next reconcile sees it even before the watch does. */
    private void created(RewriteJob owner, HasMetadata created) {
        if (created instanceof Job j && jobs != null) {
            jobs.handleRecentResourceCreate(ResourceID.fromResource(owner), j);
        }
    }

    private static String message(RewriteJob job, Decision decision, List<SpecValidator.Violation> violations, Observation seen) {
        return switch (decision.reason() == null ? "" : decision.reason()) {
            case JobReasons.INVALID_SPEC -> violations.isEmpty() ? null : SpecValidator.describe(violations);
            case JobReasons.MODEL_NOT_FOUND -> "RewriterModel '" + job.getSpec().getModelRef().getName()
                    + "' not found in namespace '" + job.getMetadata().getNamespace() + "'";
            case JobReasons.PLANNING_FAILED -> seen.plannerFailure() != null ? "the planner Job failed: " + seen.plannerFailure()
                    : Long.valueOf(0).equals(seen.shards()) ? "the plan has no shards" : "the planner Job failed";
            case JobReasons.TOO_MANY_FAILED_SHARDS -> "more shards failed than retry.maxFailedShards allows";
            // Recorded with the refusal itself; later reconciles keep it.
            case JobReasons.REJECTED_BY_API_SERVER, JobReasons.INVALID_WORKER_JOB, JobReasons.RESOLVED_JOB_TOO_LARGE -> {
                var recorded = job.getStatus() == null ? null
                        : ConditionAggregator.find(job.getStatus().getConditions(), io.palimpsest.api.common.Conditions.FAILED);
                yield recorded == null ? null : recorded.getMessage();
            }
            case JobReasons.RUNNING -> seen.shards() == null ? null : WorkerJobLimits.plan(seen.shards(),
                    job.getSpec().getRetry() == null ? null : job.getSpec().getRetry().getMaxFailedShards()).derived();
            default -> null;
        };
    }

    /** The worker's message while its pod is there; once it is gone, the message recorded with the phase. */
    private String modelRefusal(RewriteJobStatus previous, Observation seen) {
        return ModelRefusals.message(seen.finishedWorkerPods(podReadings)).orElseGet(() -> {
            var failed = previous == null ? null : ConditionAggregator.find(previous.getConditions(),
                    io.palimpsest.api.common.Conditions.FAILED);
            return failed == null || failed.getMessage() == null || failed.getMessage().isEmpty()
                    ? "the model refused the job's requests" : failed.getMessage();
        });
    }

    private static String phaseReason(RewriteJobStatus status) {
        if (status == null || status.getPhase() == null) {
            return null;
        }
        String type = status.getPhase() == JobPhase.Failed ? io.palimpsest.api.common.Conditions.FAILED
                : status.getPhase() == JobPhase.Succeeded ? io.palimpsest.api.common.Conditions.COMPLETE
                : io.palimpsest.api.common.Conditions.READY;
        var c = ConditionAggregator.find(status.getConditions(), type);
        return c == null ? null : c.getReason();
    }

    static boolean terminated(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    static String modelKey(String namespace, String name) {
        return namespace + "/" + name;
    }

    private static String rfc3339(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
    }
}
