package io.palimpsest.operator.job;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.lint.FieldError;
import io.palimpsest.api.lint.NameLimits;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.worker.AttemptLedger;
import io.palimpsest.api.worker.JobResolver;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.operator.AdmissionPolicy;
import io.palimpsest.operator.ApiRefusals;
import io.palimpsest.operator.PalimpsestConfig;
import io.palimpsest.operator.job.observe.AttemptCharges;
import io.palimpsest.operator.job.observe.ClusterReadings;
import io.palimpsest.operator.job.observe.CommittedFailedShards;
import io.palimpsest.operator.job.observe.FinishedPod;
import io.palimpsest.operator.job.observe.FinishedUpstreams;
import io.palimpsest.operator.job.observe.Observation;
import io.palimpsest.operator.job.observe.OrphanWriters;
import io.palimpsest.operator.job.observe.OutputWriters;
import io.palimpsest.operator.job.observe.PodReadings;
import io.palimpsest.operator.job.observe.PodsNotCreated;
import io.palimpsest.operator.job.observe.SharedOutput;
import io.palimpsest.operator.job.observe.UpstreamInput;
import io.palimpsest.operator.job.observe.WorkerJobView;
import io.palimpsest.operator.job.observe.WorkerStarts;
import io.palimpsest.operator.job.progress.LiveProgress;
import io.palimpsest.operator.job.progress.WorkerProgressScraper;
import io.palimpsest.operator.job.ranges.CompactRanges;
import io.palimpsest.operator.job.ranges.RangeSet;
import io.palimpsest.operator.job.resources.MadeFrom;
import io.palimpsest.operator.job.resources.OwnedResources;
import io.palimpsest.operator.job.resources.PlannerJob;
import io.palimpsest.operator.job.resources.ResolvedJobConfigMap;
import io.palimpsest.operator.job.resources.TallyJob;
import io.palimpsest.operator.job.resources.WorkerJob;
import io.palimpsest.operator.job.resources.WorkerJobLimits;
import io.palimpsest.operator.job.resources.WorkerPodTemplate;
import io.palimpsest.operator.job.status.JobConditions;
import io.palimpsest.operator.job.status.JobStatusFolder;
import io.palimpsest.operator.job.status.OutageShards;
import io.palimpsest.operator.job.status.PhaseEvents;
import io.palimpsest.operator.job.status.ShardFailureCause;
import io.palimpsest.operator.job.status.ShardFailureEvents;
import io.palimpsest.operator.job.status.SpecApplied;
import io.palimpsest.operator.metrics.JobMetrics;
import io.palimpsest.operator.model.autoscale.PodAddressResolver;
import io.palimpsest.operator.pods.NotStarting;
import io.palimpsest.operator.pods.StuckPods;
import io.palimpsest.operator.status.ConditionAggregator;
import io.palimpsest.operator.status.Rfc3339;
import io.palimpsest.operator.status.StatusWrites;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Orchestrates a RewriteJob in four steps: observe (informer caches only, and the values derived
 * from them: the folded status, parallelism, the desired ConfigMap) -> decide ({@link JobDecider},
 * pure: phase, reason, actions, when to look again) -> act (each action one call through
 * {@link OwnedResources}) -> record (status built, one write only when it changed, events,
 * metrics). The objects are built by {@link ResolvedJobConfigMap}, {@link PlannerJob},
 * {@link WorkerJob}, {@link TallyJob} and {@link PreviewJob}.
 */
@ControllerConfiguration(name = RewriteJobReconciler.NAME)
public class RewriteJobReconciler implements Reconciler<RewriteJob> {
    public static final String NAME = "rewritejob";
    private final Clock clock;

    /** The reason of the Warning Event that tells a warning of the planner's summary. */
    static final String RECIPE_WARNING = "RecipeWarning";

    private final ConditionAggregator conditions;
    private final JobSettings settings;
    private final PalimpsestConfig config;
    /** Live progress: running shards' readings, kept by the scraper outside reconcile. */
    private final LiveProgress liveProgress;

    private final WorkerProgressScraper progressScraper;
    private final JobMetrics jobMetrics;
    /** The model's pods as the autoscaler sees them: their load times, for the preview's estimate. */
    private final PodAddressResolver modelPods;

    private final StatusWriter statusWriter;
    /**
     * Per job, the API server's permanent refusal of its last status write ({@link ApiRefusals#permanent}):
     * told once, by a logged Warning Event (the status cannot say it), while the same refusal stands.
     */
    private final Map<ResourceID, String> statusWriteRefusals = new ConcurrentHashMap<>();

    private InformerEventSource<Job, RewriteJob> jobs;
    /** How long worker pods took to start, kept from every job's finished pods: for the previews of later jobs. */
    private final WorkerStarts workerStarts = new WorkerStarts();
    /** Enough for the cluster's terminated-pod GC threshold (12,500) several times over. */
    private final PodReadings podReadings = new PodReadings(50_000);

    @Inject
    public RewriteJobReconciler(
            Clock clock,
            ConditionAggregator conditions,
            JobSettings settings,
            PalimpsestConfig config,
            LiveProgress liveProgress,
            WorkerProgressScraper progressScraper,
            JobMetrics jobMetrics,
            PodAddressResolver modelPods) {
        this(
                clock,
                conditions,
                settings,
                config,
                liveProgress,
                progressScraper,
                jobMetrics,
                modelPods,
                StatusWrites::replace);
    }

    /** @param statusWriter how the one status write of a reconcile is made (tests write without the framework) */
    RewriteJobReconciler(
            Clock clock,
            ConditionAggregator conditions,
            JobSettings settings,
            PalimpsestConfig config,
            LiveProgress liveProgress,
            WorkerProgressScraper progressScraper,
            JobMetrics jobMetrics,
            PodAddressResolver modelPods,
            StatusWriter statusWriter) {
        this.clock = clock;
        this.conditions = conditions;
        this.settings = settings;
        this.config = config;
        this.liveProgress = liveProgress;
        this.progressScraper = progressScraper;
        this.jobMetrics = jobMetrics;
        this.modelPods = modelPods;
        this.statusWriter = statusWriter;
    }

    @Override
    public List<EventSource<?, RewriteJob>> prepareEventSources(EventSourceContext<RewriteJob> context) {
        IndexerResourceCache<RewriteJob> primaries = context.getPrimaryCache();
        primaries.addIndexer(SharedOutput.BY_OUTPUT, SharedOutput::keys);
        primaries.addIndexer(SharedOutput.BY_OUTPUT_TREE, SharedOutput::treeKeys);
        primaries.addIndexer(UpstreamInput.BY_INPUT, UpstreamInput::keys);
        primaries.addIndexer(UpstreamInput.BY_INPUT_TREE, UpstreamInput::treeKeys);
        primaries.addIndexer(
                Observation.BY_MODEL,
                j -> j.getSpec() == null || j.getSpec().getModelRef() == null
                        ? List.of()
                        : List.of(Observation.modelKey(
                                j.getMetadata().getNamespace(),
                                j.getSpec().getModelRef().getName())));

        jobs = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Job.class, RewriteJob.class)
                        .withLabelSelector(RewriteJobNames.JOB_LABEL)
                        .build(),
                context);
        var configMaps = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(ConfigMap.class, RewriteJob.class)
                        .withLabelSelector(RewriteJobNames.JOB_LABEL)
                        .build(),
                context);
        // Pods matter once they terminate (that is when their summary appears) and when they cannot start: only a
        // change of why (StuckPods.cause) wakes the job, not each retry of a pull or each scheduling attempt.
        var pods = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Pod.class, RewriteJob.class)
                        .withLabelSelector(RewriteJobNames.JOB_LABEL)
                        .withSecondaryToPrimaryMapper(p -> Set.of(new ResourceID(
                                p.getMetadata().getLabels().get(RewriteJobNames.JOB_LABEL),
                                p.getMetadata().getNamespace())))
                        .withOnAddFilter(RewriteJobReconciler::podAdded)
                        .withOnUpdateFilter(RewriteJobReconciler::podChanged)
                        .build(),
                context);
        // what a pod of a deleted job may still write to (OrphanWriters): looked up by the jobs waiting to plan
        pods.addIndexers(Map.of(
                OrphanWriters.BY_OUTPUT, OrphanWriters::keys,
                OrphanWriters.BY_OUTPUT_TREE, OrphanWriters::treeKeys,
                OrphanWriters.BY_UNKNOWN_OUTPUT, OrphanWriters::unknownKeys));
        this.podIndex = pods::byIndex;
        var models = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(RewriterModel.class, RewriteJob.class)
                        .withSecondaryToPrimaryMapper(m -> primaries
                                .byIndex(
                                        Observation.BY_MODEL,
                                        Observation.modelKey(
                                                m.getMetadata().getNamespace(),
                                                m.getMetadata().getName()))
                                .stream()
                                .map(ResourceID::fromResource)
                                .collect(Collectors.toSet()))
                        .withPrimaryToSecondaryMapper((RewriteJob j) ->
                                j.getSpec() == null || j.getSpec().getModelRef() == null
                                        ? Set.of()
                                        : Set.of(new ResourceID(
                                                j.getSpec().getModelRef().getName(),
                                                j.getMetadata().getNamespace())))
                        .build(),
                context);
        // A job that waits for another one's output (UpstreamInput) is looked at again when that one changes: its
        // phase or progress moves, its spec is edited, or it is deleted.
        var upstreams = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(RewriteJob.class, RewriteJob.class)
                        .withName(UPSTREAM_EVENT_SOURCE)
                        .withSecondaryToPrimaryMapper(u -> waitingOn(u, primaries::byIndex))
                        .withPrimaryToSecondaryMapper((RewriteJob j) -> Set.of())
                        .withOnUpdateFilter((now, before) -> !Objects.equals(now.getStatus(), before.getStatus())
                                || !Objects.equals(now.getSpec(), before.getSpec()))
                        .withOnDeleteFilter((deleted, unknownState) -> {
                            deletedUpstreams.add(deleted.getMetadata().getUid());
                            return true;
                        })
                        .build(),
                context);
        this.upstreams = upstreams;
        progressScraper.watch(
                () -> pods.list(p -> true).toList(),
                () -> primaries.list().map(ResourceID::fromResource).collect(Collectors.toSet()),
                this::retainJobs);
        return List.of(jobs, configMaps, pods, models, upstreams, progressScraper.eventSource());
    }

    static final String UPSTREAM_EVENT_SOURCE = "upstream-rewritejobs";

    /** The pod informer's indexes of what pods write ({@link OrphanWriters}); set with the event sources, or by tests. */
    private OrphanWriters.PodIndex podIndex;

    /** Tests reconcile without event sources: the pods as a snapshot of the API server holds them. */
    void podIndex(OrphanWriters.PodIndex index) {
        this.podIndex = index;
    }

    /** RewriteJobs as the informer that wakes the jobs reading their output sees them; null in tests. */
    private InformerEventSource<RewriteJob, RewriteJob> upstreams;
    /**
     * The uids of RewriteJobs that informer saw deleted, the most recent ones: the primary cache may still hold
     * one when the deletion wakes the jobs reading its output, and no later event would wake them again.
     */
    private final Set<String> deletedUpstreams =
            Collections.newSetFromMap(Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > 10_000;
                }
            }));

    /**
     * The newer of the job as the primary cache holds it and as the upstream informer does (both watch the same
     * objects, each on its own: the one whose event woke a reconcile may be ahead of the other), or null when
     * that informer saw it deleted.
     */
    RewriteJob freshest(RewriteJob fromIndex) {
        if (deletedUpstreams.contains(fromIndex.getMetadata().getUid())) {
            return null;
        }
        if (upstreams == null) {
            return fromIndex;
        }
        RewriteJob seen = upstreams.get(ResourceID.fromResource(fromIndex)).orElse(null);
        if (seen == null
                || !Objects.equals(
                        seen.getMetadata().getUid(), fromIndex.getMetadata().getUid())) {
            return fromIndex;
        }
        return newer(seen, fromIndex) ? seen : fromIndex;
    }

    /** Whether {@code a} is a later version than {@code b}: resource versions compared as numbers where they are. */
    static boolean newer(RewriteJob a, RewriteJob b) {
        try {
            return Long.parseLong(a.getMetadata().getResourceVersion())
                    > Long.parseLong(b.getMetadata().getResourceVersion());
        } catch (NumberFormatException | NullPointerException e) {
            return true; // the informer that wakes the waiting jobs: a later event of it looks again
        }
    }

    /**
     * The jobs that have not started and read the output of {@code upstream}: they plan once it has Succeeded; and
     * those that failed planning, which wait again when their planner refused the input as not ready
     * ({@link UpstreamInput#restartFor}).
     */
    static Set<ResourceID> waitingOn(RewriteJob upstream, SharedOutput.Index index) {
        return UpstreamInput.dependents(upstream, index).stream()
                .filter(d -> d.getStatus() == null
                        || d.getStatus().getPhase() == null
                        || d.getStatus().getPhase() == JobPhase.Pending
                        || (d.getStatus().getPhase() == JobPhase.Failed
                                && JobReason.PlanningFailed.name().equals(phaseReason(d.getStatus()))))
                .map(ResourceID::fromResource)
                .collect(Collectors.toSet());
    }

    /** A pod seen for the first time is worth a reconcile when it has ended or cannot start. */
    static boolean podAdded(Pod pod) {
        return ClusterReadings.podTerminated(pod) || StuckPods.cause(pod) != null;
    }

    /** A pod update is worth a reconcile when the pod ended, or why it cannot start changed (or it started). */
    static boolean podChanged(Pod now, Pod before) {
        return (ClusterReadings.podTerminated(now) && !ClusterReadings.podTerminated(before))
                || !Objects.equals(StuckPods.cause(now), StuckPods.cause(before));
    }

    @Override
    public UpdateControl<RewriteJob> reconcile(RewriteJob job, Context<RewriteJob> context) {
        Instant now = clock.instant();
        Observed seen = observe(job, context, now);
        JobDecider.Decision decision = JobDecider.decide(seen.facts());
        String refusal = null;
        try {
            act(
                    job,
                    decision,
                    seen.cluster(),
                    new OwnedResources(context.getClient(), job),
                    context.getPrimaryCache()::byIndex);
        } catch (OwnedResources.Rejected r) {
            // The same object would be refused again: end the job with the server's reason, never loop on it.
            decision = new JobDecider.Decision(JobPhase.Failed, r.reason(), List.of(), null);
            refusal = r.getMessage();
        } catch (OwnedResources.NameInUse n) {
            decision = JobDecider.nameInUse(seen.facts(), n.reason());
            refusal = n.getMessage();
        } catch (ApiRefusals.Forbidden f) {
            // A grant missing from the operator's role: say which, keep the phase, and try again later
            // (fixing a Role sends the operator no event).
            decision = JobDecider.forbidden(seen.facts(), decision.phase(), settings.forbiddenRecheck());
            refusal = f.getMessage() + ApiRefusals.chartRbac(settings.forbiddenRecheck());
        }
        record(job, context, seen, decision, refusal, now);
        UpdateControl<RewriteJob> control = UpdateControl.noUpdate();
        Duration requeue = decision.requeueAfter();
        if (decision.phase().isTerminal() && seen.stillWriting() != null) {
            // the pods' ends are events of the job, but a refusal above ended it before its worker Job was stopped
            requeue = JobDecider.WORKERS_STOPPING_RECHECK;
        }
        return requeue == null ? control : control.rescheduleAfter(requeue);
    }

    /**
     * What one reconcile saw and derived: the cluster as read, the status folded from it (the
     * record step completes it), the spec's violations, the preview's state, the edits that did not
     * reach the running job, and the decider's input.
     */
    private record Observed(
            Observation cluster,
            RewriteJobStatus previous,
            RewriteJobStatus next,
            boolean folded,
            List<FieldError> violations,
            ModelGate.Verdict model,
            List<FinishedPod> finishedWorkerPods,
            PreviewJob.Reading preview,
            NotStarting notStarting,
            String recipeHash,
            List<String> notApplied,
            String stillWriting,
            JobDecider.Facts facts) {}

    private Observed observe(RewriteJob job, Context<RewriteJob> context, Instant now) {
        RewriteJobStatus previous = job.getStatus();
        JobPhase recorded = previous == null ? null : previous.getPhase();
        JobReason recordedReason = JobReason.parse(phaseReason(previous));
        boolean finished = JobPhaseMachine.finished(recorded, recordedReason);

        Observation read = Observation.of(job, context, settings);
        workerStarts.record(
                job.getMetadata().getNamespace(), read.pods(), p -> podReadings.finishedPod(p, RangeSet.empty()));
        List<FinishedPod> finishedPods = read.finishedWorkerPods(podReadings);
        // A failed index whose shard has a receipt is committed (its worker killed after the commit): counted so,
        // once a summary or the tally says it; the job's outcome waits for the tally while that may be so.
        Observation seen = finished
                ? read
                : read.withWorker(CommittedFailedShards.of(
                        read.worker(),
                        read.shards(),
                        read.workerJob() == null || read.workerJob().getSpec() == null
                                ? null
                                : read.workerJob().getSpec().getMaxFailedIndexes(),
                        committedBySummaries(previous, finishedPods),
                        finishedPods,
                        read.tallyState(),
                        read.tally()));
        PreviewJob.Reading preview = PreviewJob.read(seen.jobs(), seen.pods());
        // Before the start, every rule. Once started: the rules that hold from the start
        // (SpecValidator.keptSinceStart) fail the job when broken; what the admission policy allows the
        // spec to name is checked on every reconcile, as objects are made from the spec as it is now,
        // and breaking it holds the job where it is.
        boolean awaitsValidSpec = JobPhaseMachine.awaitsValidSpec(recorded, recordedReason);
        List<FieldError> specErrors = awaitsValidSpec
                ? validate(job, seen)
                : finished ? List.of() : SpecValidator.keptSinceStart(job, seen.workerJob());
        List<FieldError> policyErrors =
                awaitsValidSpec || finished ? List.of() : admission().check(job);
        List<FieldError> violations = new ArrayList<>(specErrors);
        violations.addAll(policyErrors);

        // Shards and documents: a finished job's numbers are final.
        JobStatusFolder folder = new JobStatusFolder(clock);
        Long shards = seen.shards();
        // No worker may run: the job is suspended, or its worker Job held (suspended, parallelism 0).
        Job workerJob = seen.workerJob();
        boolean workersHeld = Boolean.TRUE.equals(job.getSpec().getSuspend())
                || (workerJob != null
                        && workerJob.getSpec() != null
                        && (Boolean.TRUE.equals(workerJob.getSpec().getSuspend())
                                || Integer.valueOf(0).equals(workerJob.getSpec().getParallelism())));
        JobStatusFolder.Result fold = shards == null || finished
                ? null
                : folder.fold(
                        previous,
                        shards,
                        seen.worker(),
                        finishedPods,
                        // not known before this operator's first round: the recorded in-progress part stays
                        liveProgress.current() ? liveProgress.of(ResourceID.fromResource(job)) : null,
                        workersHeld);
        RewriteJobStatus next = fold == null ? JobStatusFolder.copyOf(previous) : fold.status();

        // Exact totals from the receipts when summaries went missing.
        JobPhaseMachine.TallyState tally = JobPhaseMachine.TallyState.NOT_NEEDED;
        boolean tallyResultGone = false;
        if (fold != null
                && ((seen.worker().state().allShardsSettled()
                                && !fold.uncounted().isEmpty())
                        || seen.worker().state() == WorkerJobView.State.AWAITING_RECEIPTS)) {
            tally = switch (seen.tallyState()) {
                case ABSENT -> JobPhaseMachine.TallyState.PENDING;
                case RUNNING -> JobPhaseMachine.TallyState.RUNNING;
                case FAILED -> JobPhaseMachine.TallyState.FAILED;
                case SUCCEEDED ->
                    seen.tally() == null ? JobPhaseMachine.TallyState.RUNNING : JobPhaseMachine.TallyState.NOT_NEEDED;
            };
            if (seen.tally() != null) {
                next = folder.applyTally(next, seen.tally(), seen.worker().completed());
            } else {
                tallyResultGone = seen.tallyState() == ClusterReadings.HelperState.SUCCEEDED;
            }
        }
        if (preview.summary() != null && next.getEstimate() == null) {
            next.setEstimate(PreviewJob.estimate(job, preview.summary()));
        }

        boolean suspend = Boolean.TRUE.equals(job.getSpec().getSuspend());
        // Workers run only against a model the job may use: it exists, the policy allows it, it has not failed.
        ModelGate.Verdict model = ModelGate.of(job, seen.model(), admission());
        boolean modelUsable = model.state() == JobPhaseMachine.ModelState.USABLE;
        JobPhaseMachine.Inputs phase = new JobPhaseMachine.Inputs(
                recorded,
                recordedReason,
                !specErrors.isEmpty()
                        ? JobPhaseMachine.SpecState.INVALID
                        : policyErrors.isEmpty() ? JobPhaseMachine.SpecState.VALID : JobPhaseMachine.SpecState.HELD,
                model.state(),
                seen.plannerState(),
                shards,
                seen.worker().state(),
                suspend,
                tally);

        // Fixed when the worker Job was made (its backoffLimitPerIndex): the ledger and the workers' job.yaml keep it.
        Job worker = seen.workerJob();
        int attempts = WorkerJob.attemptsInForce(job, worker, settings);

        // What the owned objects should be; only for a job that may run (its spec resolves).
        ConfigMap desiredConfigMap = null;
        String tooLarge = null;
        List<Pod> pastTheCap = List.of();
        // the hash the job's workers, receipts and output carry (an earlier version's, where it hashed otherwise)
        String recipeHash = null;
        boolean hashed = false;
        if (!finished && specErrors.isEmpty()) {
            ConfigMap existing = seen.configMap();
            RangeSet counted = previous == null ? RangeSet.empty() : CompactRanges.decode(previous.getCountedShards());
            AttemptLedger ledger = AttemptCharges.ledger(
                    finishedPods,
                    counted::contains,
                    attempts,
                    settings.modelUnreachableRetries(),
                    ResolvedJobConfigMap.ledgerOf(existing),
                    // a close read back from it is stamped no earlier than it landed: the server's time of the
                    // ConfigMap's last change, which pods' creation times compare with; else the time read after it
                    ResolvedJobConfigMap.lastWrittenAt(existing).orElseGet(clock::instant),
                    worker == null ? null : worker.getMetadata().getUid());
            if (existing != null && !modelUsable) {
                // keep the endpoint workers already use while the model is away or refused
                desiredConfigMap = ResolvedJobConfigMap.withLedger(existing, ledger);
            } else {
                ResolvedJob resolved = ResolvedJobConfigMap.keepModelIdentity(
                        ResolvedJobConfigMap.keepRecipeHash(
                                ResolvedJobConfigMap.withAttempts(
                                        ResolvedJobConfigMap.resolve(job, seen.model(), settings), job, attempts),
                                existing),
                        existing);
                if (seen.plannerJob() != null
                        && !MadeFrom.changed(seen.plannerJob(), MadeFrom.plannerJob(job))
                                .isEmpty()) {
                    resolved = ResolvedJobConfigMap.keepSharding(resolved, existing);
                }
                recipeHash = resolved.getRecipeHash();
                hashed = true;
                desiredConfigMap = ResolvedJobConfigMap.desired(job, resolved, ledger);
            }
            desiredConfigMap = ResolvedJobConfigMap.keepFieldsOfALaterVersion(desiredConfigMap, existing);
            tooLarge = ResolvedJobConfigMap.tooLarge(job, desiredConfigMap).orElse(null);
            pastTheCap = AttemptCharges.pastTheCap(seen.pods(), ledger);
        }
        if (!hashed) {
            recipeHash =
                    ResolvedJobConfigMap.recipeHashInForce(seen.configMap(), JobResolver.recipeHash(job.getSpec()));
        }
        JobDecider.Parallelism parallelism = shards == null || finished
                ? new JobDecider.Parallelism(0, 0)
                : new JobDecider.Parallelism(
                        parallelism(job, seen, shards, next, false, modelUsable),
                        parallelism(job, seen, shards, next, true, modelUsable));
        String workerJobRefusal = shards == null ? null : workerJobRefusal(job, workerJobViolations(job, shards));
        // retry.maxFailedShards follows into the worker Job; what does not reach it is said (SpecApplied).
        JobDecider.MaxFailed maxFailed = null;
        List<FieldError> maxFailedRefused = List.of();
        if (worker != null && shards != null) {
            WorkerJobLimits.Plan limit = WorkerJobLimits.plan(
                    shards,
                    job.getSpec().getRetry() == null
                            ? null
                            : job.getSpec().getRetry().getMaxFailedShards());
            Integer current = worker.getSpec().getMaxFailedIndexes();
            maxFailedRefused = limit.violations();
            maxFailed =
                    new JobDecider.MaxFailed(current, maxFailedRefused.isEmpty() ? limit.maxFailedIndexes() : current);
        }
        List<String> notApplied = worker == null
                ? new ArrayList<>()
                : SpecApplied.notApplied(
                        Stream.concat(
                                        MadeFrom.changed(worker, MadeFrom.workerJob(job)).stream(),
                                        Stream.concat(
                                                MadeFrom.changed(seen.plannerJob(), MadeFrom.plannerJob(job)).stream(),
                                                MadeFrom.changed(preview.job(), MadeFrom.previewJob(job)).stream()))
                                .toList(),
                        attempts,
                        WorkerJob.attemptsPerShard(job),
                        maxFailedRefused,
                        // a finished job's workers are gone: a model it ran on may change for later jobs
                        finished
                                ? null
                                : SpecApplied.modelApiKey(
                                        seen.model(), WorkerPodTemplate.modelApiKey(worker), seen.modelApiKey()));
        if (worker != null && !finished && modelUsable && shards != null) {
            String held = SpecApplied.admittedParallelism(
                    seen.explicitParallelism(job),
                    seen.remainingShards(next),
                    WorkerJob.queued(job, worker)
                            && !Boolean.TRUE.equals(worker.getSpec().getSuspend()),
                    worker.getSpec().getParallelism());
            if (held != null) {
                notApplied.add(held);
            }
        }
        Instant tallyDue = seen.worker().finishedAt() == null
                ? now
                : seen.worker().finishedAt().plus(settings.tallyGrace());

        String inputRestart = inputRestart(job, recordedReason, seen, context);
        // A Job of the job's that makes no pod (a quota refusing them) has none to be stuck: told from the Job.
        PodsNotCreated.Reading notCreated =
                finished ? PodsNotCreated.Reading.NONE : PodsNotCreated.of(seen.jobs(), seen.pods(), now);
        JobDecider.Facts facts = new JobDecider.Facts(
                phase,
                finishedPods,
                seen.worker().failed(),
                OutageShards.decode(previous == null ? null : previous.getOutageShards()),
                seen.plannerJob() != null,
                seen.plannedShardsUnrecorded(),
                worker != null,
                worker == null ? null : worker.getSpec().getParallelism(),
                worker != null && Boolean.TRUE.equals(worker.getSpec().getSuspend()),
                maxFailed,
                WorkerJob.queued(job, worker),
                parallelism,
                workerJobRefusal,
                seen.configMap(),
                desiredConfigMap,
                tooLarge,
                pastTheCap,
                tallyResultGone,
                tallyDue,
                PreviewJob.due(job, previous, preview, seen.readyReplicas() > 0),
                seen.waitingForPreviousObjects(),
                SharedOutput.key(job) == null
                        ? null
                        : SharedOutput.heldBy(job, SharedOutput.related(job, context.getPrimaryCache()::byIndex))
                                // only a job that has not started is held: the pods are not looked up for the others
                                .or(() -> podIndex == null || !(recordedBeforeStart(job) || inputRestart != null)
                                        ? Optional.<String>empty()
                                        : OrphanWriters.of(job, podIndex, context.getPrimaryCache()::get))
                                .orElse(null),
                notCreated.due(),
                // only a job that has not started is held: the walk is not made for the others
                recordedBeforeStart(job) || inputRestart != null
                        ? UpstreamInput.waitFor(job, context.getPrimaryCache()::byIndex, this::freshest)
                                .orElse(null)
                        : null,
                inputRestart,
                resultAwaitedUntil(seen, tallyResultGone, now),
                now);
        return new Observed(
                seen,
                previous,
                next,
                fold != null,
                List.copyOf(violations),
                model,
                finishedPods,
                preview,
                StuckPods.summarize(seen.pods(), RewriteJobNames.POD_ROLES)
                        .<NotStarting>map(s -> s)
                        .orElse(notCreated.summary()),
                recipeHash,
                notApplied,
                // pods of the job's label, owned or not: one of a worker Job deleted under the job still writes
                OutputWriters.of(seen.jobs(), context.getSecondaryResources(Pod.class))
                        .orElse(null),
                facts);
    }

    /** The shards a worker's summary said committed: those the status counted, and those the finished pods report. */
    private static RangeSet committedBySummaries(RewriteJobStatus previous, List<FinishedPod> pods) {
        RangeSet.Builder reported = new RangeSet.Builder();
        pods.stream().filter(FinishedPod::reportsCommit).forEach(p -> reported.add(p.shard()));
        RangeSet counted = previous == null ? RangeSet.empty() : CompactRanges.decode(previous.getCountedShards());
        return counted.union(reported.build());
    }

    /**
     * The worker Job's parallelism. The model deleted under a running job, refused by the policy or
     * failed: no worker runs until it is back or fixed. Workers would only fail to reach it and spend
     * the shards' retries (or hand a refused model the API key); stopped by the scale-in they are
     * not charged.
     */
    private int parallelism(
            RewriteJob job,
            Observation seen,
            long shards,
            RewriteJobStatus next,
            boolean suspend,
            boolean modelUsable) {
        if (!modelUsable) {
            return 0;
        }
        ParallelismPolicy policy = policy();
        return Math.min(
                WorkerJobLimits.maxParallelism(shards),
                job.getSpec().getModelRef() == null
                        ? policy.parallelismWithoutModel(
                                seen.explicitParallelism(job), suspend, seen.remainingShards(next))
                        : policy.parallelism(seen.demand(job, suspend, next)));
    }

    /** Completes the folded status with the decision, writes it once if it changed, and tells events and metrics. */
    private void record(
            RewriteJob job,
            Context<RewriteJob> context,
            Observed seen,
            JobDecider.Decision decision,
            String refusal,
            Instant now) {
        RewriteJobStatus previous = seen.previous();
        RewriteJobStatus next = seen.next();
        JobPhase recorded = previous == null ? null : previous.getPhase();
        long generation = Objects.requireNonNullElse(job.getMetadata().getGeneration(), 0L);
        next.setPhase(decision.phase());
        next.setRecipeHash(seen.recipeHash());
        next.setObservedGeneration(generation);
        if (next.getStartTime() == null && seen.cluster().workerJob() != null) {
            next.setStartTime(seen.cluster().workerJob().getMetadata().getCreationTimestamp());
        }
        if (decision.phase().isTerminal()) {
            // Nothing runs any more: no rate, no estimate, nothing in progress (kubectl's Tokens/s
            // and ETA columns, palimpsest_job_*_per_second), whatever the last sample said.
            JobStatusFolder.ended(next);
        }
        if (decision.phase().isTerminal() && next.getCompletionTime() == null) {
            next.setCompletionTime(Rfc3339.format(now));
        } else if (!decision.phase().isTerminal()) {
            next.setCompletionTime(null); // back from InvalidSpec
        }
        JobDecider.Fail failure = decision.failure();
        String message = refusal != null
                ? refusal
                : failure != null
                        ? failure.message()
                        : ModelRefusals.isRefusal(decision.reason())
                                ? modelRefusal(decision.reason(), previous, seen.finishedWorkerPods())
                                : decision.reason() == JobReason.OutputInUse
                                        ? seen.facts().outputInUse()
                                        : seen.facts().inputWait() != null
                                                        && decision.reason()
                                                                == seen.facts()
                                                                        .inputWait()
                                                                        .reason()
                                                ? seen.facts().inputWait().message()
                                                : message(
                                                        job,
                                                        decision.reason(),
                                                        seen.violations(),
                                                        seen.model(),
                                                        seen.cluster(),
                                                        next,
                                                        seen.finishedWorkerPods());
        if (seen.facts().inputRestart() != null && decision.phase() == JobPhase.Pending) {
            // the Event of the phase change and the Ready condition say why the Failed job waits again
            message = seen.facts().inputRestart() + (message == null || message.isEmpty() ? "" : "; " + message);
        }
        next.setConditions(JobConditions.build(
                conditions,
                next,
                generation,
                decision.state(),
                message,
                seen.facts().phase().tally() == JobPhaseMachine.TallyState.FAILED,
                seen.notStarting(),
                decision.phase().isTerminal() ? seen.stillWriting() : null));
        var previewed = PreviewJob.condition(conditions, job, next, generation, previous, seen.preview());
        if (previewed != null) {
            next.getConditions().add(previewed);
        }
        var applied = SpecApplied.condition(
                conditions, previous, generation, seen.cluster().workerJob() != null, seen.notApplied());
        if (applied != null) {
            next.getConditions().add(applied);
        }

        if (decision.phase() != recorded) {
            // (a refusal that comes with a phase change is told by the phase's Event, a Warning then)
            PhaseEvents.phaseChanged(
                    context.getClient(), job, recorded, decision.phase(), decision.reason(), message, now);
        } else if (JobPhaseMachine.held(decision.reason())
                && decision.reason() != seen.facts().phase().currentReason()) {
            PhaseEvents.held(
                    context.getClient(),
                    job,
                    decision.phase(),
                    decision.reason().name(),
                    message,
                    now);
        }
        var notStarting = ConditionAggregator.find(next.getConditions(), Conditions.PODS_NOT_STARTING);
        var wasNotStarting = previous == null
                ? null
                : ConditionAggregator.find(previous.getConditions(), Conditions.PODS_NOT_STARTING);
        if (notStarting != null
                && (wasNotStarting == null || !Objects.equals(wasNotStarting.getReason(), notStarting.getReason()))) {
            PhaseEvents.warning(context.getClient(), job, notStarting.getReason(), notStarting.getMessage(), now);
        }
        if (decision.reason() == JobReason.Forbidden
                && decision.phase() == recorded
                && !forbiddenBefore(previous, message)) {
            PhaseEvents.warning(context.getClient(), job, JobReason.Forbidden.name(), message, now);
        }
        if (seen.folded()) {
            ShardFailureEvents.record(context.getClient(), job, previous, next, now);
        }
        SpecApplied.recordChange(context.getClient(), job, previous, applied, now);
        if (!next.equals(previous)) {
            writeStatus(job, next, context, now);
        }
        jobMetrics.observed(
                ResourceID.fromResource(job),
                job.getSpec() == null || job.getSpec().getModelRef() == null
                        ? ""
                        : job.getSpec().getModelRef().getName(),
                next);
    }

    /**
     * The spec's own rules, then what the cluster's policy allows it to name (images, Secrets), then
     * what must hold since the start (a job back from InvalidSpec may have objects of its own).
     */
    private List<FieldError> validate(RewriteJob job, Observation seen) {
        List<FieldError> out = new ArrayList<>(SpecValidator.validate(job));
        out.addAll(admission().check(job));
        out.addAll(SpecValidator.keptSinceStart(job, seen.workerJob()));
        return out;
    }

    /**
     * Writes the status. A write the API server refuses for good ({@link ApiRefusals#permanent}: 422, 400,
     * an admission denial...) gets the same answer however often it is sent, so it is not thrown into the
     * framework's retry: the refusal, with the server's message, is logged and told by a Warning Event
     * once while it stands, and the next reconcile (an event, or the decision's requeue) writes again.
     * Anything else (a conflict, 5xx, a timeout, a 403 of the role) goes to the framework's retry.
     */
    private void writeStatus(RewriteJob job, RewriteJobStatus next, Context<RewriteJob> context, Instant now) {
        ResourceID id = ResourceID.fromResource(job);
        KubernetesClientException refused;
        try {
            statusWriter.write(job, next, context);
            statusWriteRefusals.remove(id);
            return;
        } catch (KubernetesClientException e) {
            if (!ApiRefusals.permanent(e)) {
                throw e;
            }
            refused = e;
        }
        String refusal = ApiRefusals.rejected(refused, "update the status of", job);
        if (!refusal.equals(statusWriteRefusals.put(id, refusal))) {
            PhaseEvents.warning(context.getClient(), job, JobReason.RejectedByApiServer.name(), refusal, now);
        }
    }

    /**
     * Forgets what is kept for jobs that no longer exist (the progress scraper calls it after each round with
     * the primary cache's jobs): a job deleted while its status write was refused leaves no entry behind. A
     * reconcile in flight at the deletion may still put one; the next round takes it away.
     */
    void retainJobs(Set<ResourceID> existing) {
        statusWriteRefusals.keySet().retainAll(existing);
    }

    /** The jobs whose last status write the API server refused for good. */
    Set<ResourceID> refusedStatusWrites() {
        return Set.copyOf(statusWriteRefusals.keySet());
    }

    /** How the one status write of a reconcile is made ({@link StatusWrites#replace}); tests replace it to run without the framework. */
    interface StatusWriter {
        void write(RewriteJob job, RewriteJobStatus next, Context<RewriteJob> context);
    }

    /** Each action is one call; the objects are built here, from the job and what was observed. */
    private void act(
            RewriteJob job,
            JobDecider.Decision decision,
            Observation seen,
            OwnedResources owned,
            SharedOutput.Index index) {
        for (JobDecider.Action action : decision.actions()) {
            if (action instanceof JobDecider.CreateConfigMap a) {
                owned.create(a.desired());
            } else if (action instanceof JobDecider.ReplaceConfigMap a) {
                owned.replace(a.existing(), a.desired());
            } else if (action instanceof JobDecider.DeletePod a) {
                owned.delete(a.pod());
            } else if (action instanceof JobDecider.CreatePlanner) {
                created(
                        job,
                        owned.create(PlannerJob.desired(
                                job,
                                image(job),
                                settings,
                                seen.fleetWorkers(job, policy()),
                                FinishedUpstreams.campaigns(job, index, this::freshest))));
            } else if (action instanceof JobDecider.Replan) {
                if (seen.plannerJob() != null) { // a restart read from the status may find it gone already
                    owned.delete(seen.plannerJob());
                }
            } else if (action instanceof JobDecider.RecordShardCount a) {
                // what the recipe may do wrong with some documents, as lint and local tell it: once, with the count
                for (String warning : seen.planWarnings()) {
                    PhaseEvents.warning(owned.client(), job, RECIPE_WARNING, warning, clock.instant());
                }
                owned.mergePatch(
                        seen.plannerJob(),
                        "{\"metadata\":{\"annotations\":{\"" + RewriteJobNames.SHARDS_ANNOTATION + "\":\"" + a.shards()
                                + "\"}}}");
            } else if (action instanceof JobDecider.CreateWorker a) {
                Job desired = WorkerJob.desired(
                        job, a.shards(), a.parallelism(), a.suspended(), image(job), seen.modelApiKey(), settings);
                // The last look before it is sent: the rendered spec against the API server's rules.
                String refusal = workerJobRefusal(job, WorkerJobLimits.check(desired.getSpec()));
                if (refusal != null) {
                    throw new OwnedResources.Rejected(JobReason.InvalidWorkerJob, refusal);
                }
                created(job, owned.create(desired));
            } else if (action instanceof JobDecider.PatchWorker a) {
                owned.mergePatch(
                        seen.workerJob(),
                        "{\"spec\":{\"parallelism\":" + a.parallelism()
                                + (a.suspend() == null ? "" : ",\"suspend\":" + a.suspend()) + "}}");
            } else if (action instanceof JobDecider.PatchMaxFailedIndexes a) {
                owned.mergePatch(
                        seen.workerJob(),
                        "{\"spec\":{\"maxFailedIndexes\":" + a.maxFailedIndexes() + "}}"); // null removes it
            } else if (action instanceof JobDecider.RerunTally) {
                owned.delete(seen.tallyJob());
            } else if (action instanceof JobDecider.CreateTally) {
                created(job, owned.create(TallyJob.desired(job, image(job), settings)));
            } else if (action instanceof JobDecider.CreatePreview) {
                var model = ResolvedJobConfigMap.resolve(job, seen.model(), settings)
                        .getModel();
                created(
                        job,
                        owned.create(PreviewJob.desired(
                                job,
                                image(job),
                                model == null ? null : model.getEndpoint(),
                                seen.model(),
                                seen.modelApiKey(),
                                settings,
                                previewInputs(job, seen))));
            } else if (!(action instanceof JobDecider.Fail)) { // a refusal is recorded, not sent
                throw new IllegalStateException("no call for " + action);
            }
        }
    }

    /**
     * What the preview's estimate of the paid replica time needs from the cluster: the model's
     * replicas' load time from their pods, a worker's start from this job's finished worker pods,
     * else from the namespace's earlier jobs' ones, and the planner's shards.
     */
    private PreviewJob.Inputs previewInputs(RewriteJob job, Observation seen) {
        var load =
                seen.model() == null ? null : modelPods.loadTimes(seen.model()).orElse(null);
        var start = workerStarts
                .forPreview(
                        job.getMetadata().getNamespace(),
                        seen.pods().stream()
                                .filter(ClusterReadings::podTerminated)
                                .toList(),
                        p -> podReadings.finishedPod(p, RangeSet.empty()))
                .orElse(null);
        return new PreviewJob.Inputs(load, start, seen.shards());
    }

    /** What the cluster's administrator lets jobs and models name (chart values policy.*). */
    private AdmissionPolicy admission() {
        return AdmissionPolicy.from(config.policy());
    }

    private ParallelismPolicy policy() {
        return new ParallelismPolicy(new ParallelismPolicy.Settings(
                settings.headroom(), settings.defaultConcurrencyPerWorker(), settings.maxParallelism()));
    }

    private String image(RewriteJob job) {
        return job.getSpec().getWorkers() != null && job.getSpec().getWorkers().getImage() != null
                ? job.getSpec().getWorkers().getImage()
                : config.worker().image();
    }

    /** Why the API server would refuse the worker Job with these violations, or null for none. */
    /** What the API server would refuse in the worker Job for this many shards: its limits, and its pods' host names. */
    private static List<FieldError> workerJobViolations(RewriteJob job, long shards) {
        List<FieldError> violations = new ArrayList<>(WorkerJobLimits.plan(
                        shards,
                        job.getSpec().getRetry() == null
                                ? null
                                : job.getSpec().getRetry().getMaxFailedShards())
                .violations());
        NameLimits.shardIndexes(job.getMetadata().getName(), shards)
                .ifPresent(why -> violations.add(new FieldError("metadata.name", why)));
        return violations;
    }

    private static String workerJobRefusal(RewriteJob job, List<FieldError> violations) {
        return violations.isEmpty()
                ? null
                : "the worker Job " + RewriteJobNames.workerJob(job) + " would be refused by the API server: "
                        + FieldError.describe(violations);
    }

    /** Puts what was just created into the informer cache, so the next reconcile sees it even before the watch does. */
    private void created(RewriteJob owner, HasMetadata created) {
        if (created instanceof Job j && jobs != null) {
            jobs.handleRecentResourceCreate(ResourceID.fromResource(owner), j);
        }
    }

    private static String message(
            RewriteJob job,
            JobReason reason,
            List<FieldError> violations,
            ModelGate.Verdict model,
            Observation seen,
            RewriteJobStatus next,
            List<FinishedPod> finishedWorkerPods) {
        if (reason == null) {
            return null;
        }
        return switch (reason) {
            case InvalidSpec -> violations.isEmpty() ? null : FieldError.describe(violations);
            case ModelNotFound, ModelFailed -> model.message();
            case PlanningFailed ->
                seen.plannerFailure() != null
                        ? Observation.PLANNER_FAILED + seen.plannerFailure()
                        : Long.valueOf(0).equals(seen.shards())
                                ? "the plan has no shards"
                                : Observation.recordedPlannerFailure(job.getStatus())
                                        .orElse("the planner Job failed");
            case TooManyFailedShards ->
                ShardFailureCause.tooManyFailed(seen.shards(), seen.worker().failed(), next.getRecentFailures());
            case ModelUnreachable, StoreUnreachable -> {
                Outages.Cause cause = Outages.Cause.of(reason);
                yield ShardFailureCause.outage(
                        cause.what,
                        cause.shardReason,
                        seen.shards(),
                        seen.worker().completed(),
                        seen.worker().failed(),
                        (int) Outages.shards(
                                        cause,
                                        seen.worker().failed(),
                                        finishedWorkerPods,
                                        OutageShards.decode(next.getOutageShards()))
                                .cardinality(),
                        next.getRecentFailures());
            }
            case WaitingForPreviousJob -> seen.waitingForPreviousObjects();
            case Queued -> {
                Job worker = seen.workerJob();
                String queue = worker == null || worker.getMetadata().getLabels() == null
                        ? job.getSpec().getQueueName()
                        : worker.getMetadata().getLabels().get(RewriteJobNames.KUEUE_QUEUE_LABEL);
                yield "the worker Job " + RewriteJobNames.workerJob(job) + " waits for Kueue to admit it from queue "
                        + queue + ": no worker runs until then (kubectl get workloads -n "
                        + job.getMetadata().getNamespace() + ")";
            }
            // Recorded with the refusal itself; later reconciles keep it.
            case RejectedByApiServer, InvalidWorkerJob, ResolvedJobTooLarge -> {
                var recorded = job.getStatus() == null
                        ? null
                        : ConditionAggregator.find(job.getStatus().getConditions(), Conditions.FAILED);
                yield recorded == null ? null : recorded.getMessage();
            }
            case Running ->
                seen.shards() == null
                        ? null
                        : WorkerJobLimits.plan(
                                        seen.shards(),
                                        job.getSpec().getRetry() == null
                                                ? null
                                                : job.getSpec().getRetry().getMaxFailedShards())
                                .derived();
            default -> null;
        };
    }

    /** The worker's message while its pod is there; once it is gone, the message recorded with the phase. */
    private static String modelRefusal(
            JobReason reason, RewriteJobStatus previous, List<FinishedPod> finishedWorkerPods) {
        return ModelRefusals.message(finishedWorkerPods).orElseGet(() -> {
            var failed =
                    previous == null ? null : ConditionAggregator.find(previous.getConditions(), Conditions.FAILED);
            return failed == null
                            || failed.getMessage() == null
                            || failed.getMessage().isEmpty()
                    ? switch (reason) {
                        case StoreRefused -> "the object store refused the job's credentials";
                        case OutputDrift -> "the output was made with another recipe, model or input reading";
                        default -> "the model refused the job's requests";
                    }
                    : failed.getMessage();
        });
    }

    /** The status already reports this refusal: its Event was recorded then. */
    private static boolean forbiddenBefore(RewriteJobStatus previous, String message) {
        var ready = previous == null ? null : ConditionAggregator.find(previous.getConditions(), Conditions.READY);
        return ready != null
                && JobReason.Forbidden.name().equals(ready.getReason())
                && Objects.equals(message, ready.getMessage());
    }

    private static String phaseReason(RewriteJobStatus status) {
        if (status == null || status.getPhase() == null) {
            return null;
        }
        String type = status.getPhase() == JobPhase.Failed
                ? Conditions.FAILED
                : status.getPhase() == JobPhase.Succeeded ? Conditions.COMPLETE : Conditions.READY;
        var c = ConditionAggregator.find(status.getConditions(), type);
        return c == null ? null : c.getReason();
    }

    /**
     * Why a job that failed planning for its input's state ({@link Observation#plannerRefusedInput}), with no plan,
     * goes back to waiting ({@link UpstreamInput#restartFor}); null when it does not.
     */
    private String inputRestart(
            RewriteJob job, JobReason recordedReason, Observation seen, Context<RewriteJob> context) {
        RewriteJobStatus status = job.getStatus();
        if (status == null
                || status.getPhase() != JobPhase.Failed
                || recordedReason != JobReason.PlanningFailed
                || seen.shards() != null
                || (status.getShards() != null && status.getShards().getTotal() > 0)
                || !(seen.plannerRefusedInput() || Observation.recordedInputRefusal(status))) {
            return null;
        }
        Instant failedAt;
        try {
            failedAt = Rfc3339.parse(status.getCompletionTime());
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
        return UpstreamInput.restartFor(job, failedAt, context.getPrimaryCache()::byIndex, this::freshest)
                .orElse(null);
    }

    /**
     * Until when a succeeded planner's shard count or tally's totals, not in the cache yet, is waited for
     * ({@link Observation#helperResultDue}); null when neither is missing or the wait is over.
     */
    private Instant resultAwaitedUntil(Observation seen, boolean tallyResultGone, Instant now) {
        Instant due = null;
        if (seen.plannerJob() != null && seen.plannerState() == JobPhaseMachine.PlannerState.NOT_STARTED) {
            due = seen.helperResultDue(RewriteJobNames.ROLE_PLAN, settings.helperResultGrace());
        } else if (tallyResultGone) {
            due = seen.helperResultDue(RewriteJobNames.ROLE_TALLY, settings.helperResultGrace());
        }
        return due != null && now.isBefore(due) ? due : null;
    }

    /** No phase recorded yet, or Pending: the job has not planned. */
    private static boolean recordedBeforeStart(RewriteJob job) {
        JobPhase recorded = job.getStatus() == null ? null : job.getStatus().getPhase();
        return recorded == null || recorded == JobPhase.Pending;
    }
}
