package io.palimpsest.operator.model;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.WorkflowReconcileResult;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.lint.FieldError;
import io.palimpsest.api.lint.ModelSpecRules;
import io.palimpsest.api.v1alpha1.ModelPhase;
import io.palimpsest.api.v1alpha1.ModelReason;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.api.v1alpha1.RewriterModelStatus;
import io.palimpsest.operator.AdmissionPolicy;
import io.palimpsest.operator.ApiRefusals;
import io.palimpsest.operator.PalimpsestConfig;
import io.palimpsest.operator.metrics.ModelMetrics;
import io.palimpsest.operator.model.autoscale.Backlog;
import io.palimpsest.operator.model.autoscale.KedaPause;
import io.palimpsest.operator.model.autoscale.MetricsScraper;
import io.palimpsest.operator.model.autoscale.ModelObservations;
import io.palimpsest.operator.model.autoscale.QueueSample;
import io.palimpsest.operator.model.autoscale.Recommendation;
import io.palimpsest.operator.model.autoscale.RemainingWorkSource;
import io.palimpsest.operator.model.autoscale.ReplicaRecommender;
import io.palimpsest.operator.model.autoscale.ScaleReason;
import io.palimpsest.operator.model.autoscale.ScalingPolicy;
import io.palimpsest.operator.model.resources.KedaPresence;
import io.palimpsest.operator.model.resources.KedaScaledObject;
import io.palimpsest.operator.model.resources.KeylessCallers;
import io.palimpsest.operator.model.resources.ModelApiKey;
import io.palimpsest.operator.model.resources.ModelDependent;
import io.palimpsest.operator.model.resources.ModelDisruptionBudget;
import io.palimpsest.operator.model.resources.RenderSettings;
import io.palimpsest.operator.model.resources.ScaledObject;
import io.palimpsest.operator.model.resources.VllmDeployment;
import io.palimpsest.operator.model.resources.VllmReplicaService;
import io.palimpsest.operator.model.resources.VllmService;
import io.palimpsest.operator.model.resources.WeightCachePvc;
import io.palimpsest.operator.model.resources.WeightDownloadJob;
import io.palimpsest.operator.pods.StuckPods;
import io.palimpsest.operator.status.ConditionAggregator;
import io.palimpsest.operator.status.Rfc3339;
import io.palimpsest.operator.status.StatusWrites;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import io.quarkiverse.operatorsdk.annotations.RBACVerbs;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * RewriterModel: observe (caches only) -> decide replicas (ReplicaRecommender) -> apply the
 * owned objects -> one status write when something changed ({@link StatusWrites}).
 *
 * <p>Owned objects are JOSDK Kubernetes dependents, one class each, {@code desired()} only: the
 * framework keeps their informers, owner references and create/update. Most are standalone,
 * called here in order because their desired state needs what this reconcile decided (the
 * replica count, whether weights are needed). The optional KEDA ScaledObject needs nothing
 * decided here and is the one managed dependent, in a workflow invoked explicitly (so it runs
 * after the spec is validated) whose activation condition keeps KEDA optional: its informer
 * exists only where KEDA does, nothing about it is kept per model, and whether KEDA exists is
 * asked of the cluster only as {@link KedaPresence} allows (once, where it does).
 *
 * <p>A RewriteJob's Jobs are the exception, on purpose: they are created, suspended or resized
 * and deleted, never brought back to a desired spec. A Job's pod template is immutable, and the
 * only fields an update may change (parallelism, suspend) are decided per observation by the job's
 * phase machine, so an update-to-desired dependent would either fail on the template or do what a
 * targeted patch does with more machinery.
 *
 * <p>RBAC this controller needs (for the Helm chart), besides its own CR and status:
 * apps/deployments, services, persistentvolumeclaims, batch/jobs: get list watch create update
 * patch delete; secrets: create (the model's API key, never read: {@link ModelApiKey}); pods: get list
 * watch (the scraper's pod informer and the model pods' informer, in the watched namespaces); events:
 * create; palimpsest.io/rewritejobs: get list watch; keda.sh/scaledobjects: list watch create update
 * patch delete (used only where KEDA is installed).
 */
@ControllerConfiguration(name = "rewritermodel")
@RBACRule(
        apiGroups = "apps",
        resources = "deployments",
        verbs = {
            RBACVerbs.GET,
            RBACVerbs.LIST,
            RBACVerbs.WATCH,
            RBACVerbs.CREATE,
            RBACVerbs.UPDATE,
            RBACVerbs.PATCH,
            RBACVerbs.DELETE
        })
@RBACRule(
        apiGroups = "",
        resources = {"services", "persistentvolumeclaims"},
        verbs = {
            RBACVerbs.GET,
            RBACVerbs.LIST,
            RBACVerbs.WATCH,
            RBACVerbs.CREATE,
            RBACVerbs.UPDATE,
            RBACVerbs.PATCH,
            RBACVerbs.DELETE
        })
@RBACRule(
        apiGroups = "batch",
        resources = "jobs",
        verbs = {
            RBACVerbs.GET,
            RBACVerbs.LIST,
            RBACVerbs.WATCH,
            RBACVerbs.CREATE,
            RBACVerbs.UPDATE,
            RBACVerbs.PATCH,
            RBACVerbs.DELETE
        })
@RBACRule(apiGroups = "", resources = "secrets", verbs = RBACVerbs.CREATE)
@RBACRule(
        apiGroups = "",
        resources = "pods",
        verbs = {RBACVerbs.GET, RBACVerbs.LIST, RBACVerbs.WATCH})
@RBACRule(
        apiGroups = "",
        resources = "events",
        verbs = {RBACVerbs.CREATE, RBACVerbs.PATCH})
@RBACRule(
        apiGroups = RewriterModel.GROUP,
        resources = "rewritejobs",
        verbs = {RBACVerbs.GET, RBACVerbs.LIST, RBACVerbs.WATCH})
@RBACRule(
        apiGroups = "keda.sh",
        resources = "scaledobjects",
        verbs = {RBACVerbs.LIST, RBACVerbs.WATCH, RBACVerbs.CREATE, RBACVerbs.UPDATE, RBACVerbs.PATCH, RBACVerbs.DELETE
        })
@Workflow(
        explicitInvocation = true,
        handleExceptionsInReconciler = true,
        dependents =
                @Dependent(
                        name = KedaScaledObject.NAME,
                        type = KedaScaledObject.class,
                        activationCondition = KedaScaledObject.KedaInstalled.class,
                        reconcilePrecondition = KedaScaledObject.KedaMode.class))
public class RewriterModelReconciler implements Reconciler<RewriterModel> {
    /** The queue in status is rewritten when it changes, or at least this often while sampling. */
    private static final long QUEUE_STATUS_REFRESH_SECONDS = 60;
    /** When this model's next decision is due without an event (idle until min, a ScaledObject not made yet). */
    private static final String RECHECK_KEY = "palimpsest.io/recheck";
    /**
     * The model's own pods (vLLM replicas and weight downloads: app.kubernetes.io/name=vllm; RewriteJob pods are
     * named palimpsest), for why they do not start.
     */
    static final String POD_SELECTOR = "app.kubernetes.io/name=vllm," + ModelNames.OWNED_SELECTOR;
    /** A keda-mode model whose ScaledObject cannot be made looks again this often (KEDA may be installed meanwhile). */
    private static final Duration SCALED_OBJECT_RECHECK = Duration.ofSeconds(60);

    private final RenderSettings settings;
    private final VllmDeployment deployment;
    private final VllmService service;
    private final VllmReplicaService replicaService;
    private final WeightCachePvc cachePvc;
    private final WeightDownloadJob downloadJob;
    private final ModelDisruptionBudget disruptionBudget;
    private final KedaPresence kedaPresence;
    private final ModelApiKey apiKey;
    private final KeylessCallers keylessCallers;
    private final ReplicaRecommender recommender = new ReplicaRecommender();
    private final MetricsScraper scraper;
    private final ModelObservations observations;
    private final RemainingWorkSource remainingWork;
    private final ConditionAggregator conditions;
    private final ModelEvents events;
    private final ModelMetrics metrics;
    private final Clock clock;
    private final AdmissionPolicy policy;
    /** A model whose calls the operator's role refuses looks again this often (fixing a Role sends no event). */
    private final Duration forbiddenRecheck;
    /** A model held without its key looks at its jobs' Jobs again this often. */
    private final Duration heldKeyRecheck;
    /** {@link ApiRefusals#chartRbac} with {@link #forbiddenRecheck}: appended to a 403's message. */
    private final String chartRbac;
    /** Per model, the refusal of its last status write, told once by a Warning Event (the status cannot say it). */
    private final Map<ResourceID, String> statusWriteRefusals = new ConcurrentHashMap<>();

    @Inject
    public RewriterModelReconciler(
            PalimpsestConfig config,
            MetricsScraper scraper,
            ModelObservations observations,
            RemainingWorkSource remainingWork,
            ConditionAggregator conditions,
            ModelEvents events,
            ModelMetrics metrics,
            KeylessCallers keylessCallers,
            Clock clock) {
        this.settings = RenderSettings.from(config);
        this.policy = AdmissionPolicy.from(config.policy());
        this.deployment = new VllmDeployment(settings);
        this.service = new VllmService(settings);
        this.replicaService = new VllmReplicaService(settings);
        this.cachePvc = new WeightCachePvc(settings);
        this.downloadJob = new WeightDownloadJob(settings);
        this.disruptionBudget = new ModelDisruptionBudget(settings);
        this.kedaPresence = new KedaPresence(clock);
        this.apiKey = new ModelApiKey(clock);
        this.keylessCallers = keylessCallers;
        this.scraper = scraper;
        this.observations = observations;
        this.remainingWork = remainingWork;
        this.conditions = conditions;
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
        this.forbiddenRecheck = config.model().forbiddenRecheck();
        this.heldKeyRecheck = config.model().heldKeyRecheck();
        this.chartRbac = ApiRefusals.chartRbac(forbiddenRecheck);
    }

    @Override
    public List<EventSource<?, RewriterModel>> prepareEventSources(EventSourceContext<RewriterModel> context) {
        scraper.watch(context.getPrimaryCache(), this::retainModels);
        List<EventSource<?, RewriterModel>> sources = new ArrayList<>(EventSourceUtils.dependentEventSources(
                context, deployment, service, replicaService, cachePvc, downloadJob, disruptionBudget));
        // Work appearing or finishing must wake or idle the model at once, not at the next scrape.
        sources.add(new InformerEventSource<>(
                InformerEventSourceConfiguration.from(RewriteJob.class, RewriterModel.class)
                        .withName("bound-rewritejobs")
                        .withSecondaryToPrimaryMapper((RewriteJob job) ->
                                job.getSpec() == null || job.getSpec().getModelRef() == null
                                        ? Set.of()
                                        : Set.of(new ResourceID(
                                                job.getSpec().getModelRef().getName(),
                                                job.getMetadata().getNamespace())))
                        .build(),
                context));
        // Only a change of why a pod cannot start wakes the model (not each retry of a pull or scheduling attempt);
        // the Deployment's own status tells when pods come and go or turn ready.
        sources.add(new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Pod.class, RewriterModel.class)
                        .withName("model-pods")
                        .withLabelSelector(POD_SELECTOR)
                        .withSecondaryToPrimaryMapper((Pod p) -> p.getMetadata().getLabels() == null
                                        || p.getMetadata().getLabels().get(ModelNames.MODEL_LABEL) == null
                                ? Set.of()
                                : Set.of(new ResourceID(
                                        p.getMetadata().getLabels().get(ModelNames.MODEL_LABEL),
                                        p.getMetadata().getNamespace())))
                        .withOnAddFilter(p -> StuckPods.cause(p) != null)
                        .withOnUpdateFilter(RewriterModelReconciler::podChanged)
                        .withOnDeleteFilter((p, unknown) -> StuckPods.cause(p) != null)
                        .build(),
                context));
        sources.add(scraper.eventSource());
        return sources;
    }

    /** A pod update is worth a reconcile when why it cannot start changed (or it started). */
    static boolean podChanged(Pod now, Pod before) {
        return !Objects.equals(StuckPods.cause(now), StuckPods.cause(before));
    }

    @Override
    public UpdateControl<RewriterModel> reconcile(RewriterModel model, Context<RewriterModel> context) {
        ResourceID id = ResourceID.fromResource(model);
        metrics.reconciled(id, model.getSpec() == null || model.getSpec().getEndpoint() == null);
        RewriterModelStatus previous = Optional.ofNullable(model.getStatus()).orElseGet(RewriterModelStatus::new);
        List<FieldError> refused = new ArrayList<>(policy.check(model));
        refused.addAll(ModelSpecRules.check(model));
        RewriterModelStatus next;
        boolean forbidden = false;
        try {
            next = !refused.isEmpty()
                    ? invalidSpec(model, previous, FieldError.describe(refused)) // nothing is made from it
                    : model.getSpec().getEndpoint() != null
                            ? reconcileExternal(model, context, id)
                            : reconcileDeployed(model, context, id, previous);
        } catch (ApiRefusals.Forbidden f) {
            // A grant missing from the operator's role: say which, and look again later.
            next = refusedByApiServer(model, context, previous, ModelReason.Forbidden, f.getMessage() + chartRbac);
            forbidden = true;
        } catch (ApiRefusals.Invalid r) {
            // The same object would be refused again: say what the server said until the spec changes.
            next = refusedByApiServer(model, context, previous, ModelReason.RejectedByApiServer, r.getMessage());
        }
        next.setBoundJobs(ModelBoundJobs.of(context.getSecondaryResources(RewriteJob.class)));
        next.setReady(
                model.getSpec() != null && model.getSpec().getEndpoint() != null
                        ? ModelReadyColumn.external(observations.health(id).orElse(null))
                        : ModelReadyColumn.deployed(next));
        announce(model, previous, next);
        metrics.phase(id, next.getPhase());
        forbidden |= !writeStatus(model, next, context, id);
        UpdateControl<RewriterModel> control = UpdateControl.noUpdate();
        Optional<Duration> recheck =
                context.managedWorkflowAndDependentResourceContext().get(RECHECK_KEY, Duration.class);
        if (forbidden) {
            recheck = Optional.of(
                    recheck.filter(d -> d.compareTo(forbiddenRecheck) < 0).orElse(forbiddenRecheck));
        }
        return recheck.map(control::rescheduleAfter).orElse(control);
    }

    /**
     * Writes the status when it changed; false when the role does not allow it (told once by a Warning
     * Event, as the status cannot say it). A status the API server refuses for good
     * ({@link ApiRefusals#permanent}) is told the same way; anything else goes to the framework's retry.
     */
    private boolean writeStatus(
            RewriterModel model, RewriterModelStatus next, Context<RewriterModel> context, ResourceID id) {
        String refusal;
        boolean forbidden;
        try {
            StatusWrites.replace(model, next, context);
            statusWriteRefusals.remove(id);
            return true;
        } catch (KubernetesClientException e) {
            if (ApiRefusals.forbidden(e)) {
                refusal = ApiRefusals.forbidden(
                                        e,
                                        "update",
                                        ApiRefusals.rbacResource(RewriterModel.class) + "/status",
                                        model.getMetadata().getNamespace())
                                .getMessage()
                        + chartRbac;
                forbidden = true;
            } else if (ApiRefusals.permanent(e)) {
                refusal = ApiRefusals.rejected(e, "update the status of", model);
                forbidden = false;
            } else {
                throw e;
            }
        }
        if (!refusal.equals(statusWriteRefusals.put(id, refusal))) {
            events.warning(
                    model, forbidden ? ModelReason.Forbidden.name() : ModelReason.RejectedByApiServer.name(), refusal);
        }
        return !forbidden;
    }

    /**
     * Forgets what is kept for models that no longer exist (the scraper calls it after each tick with the
     * primary cache's models, whether or not the autoscaler is enabled): a model deleted while its status
     * write was refused leaves no entry behind. A reconcile in flight at the deletion may still put one; the
     * next tick takes it away. The API key's bookkeeping (by uid) forgets what is older than its recheck.
     */
    void retainModels(Set<ResourceID> existing) {
        statusWriteRefusals.keySet().retainAll(existing);
        apiKey.forgetStale(clock.instant());
    }

    /** The models whose last status write the API server (or the role) refused. */
    Set<ResourceID> refusedStatusWrites() {
        return Set.copyOf(statusWriteRefusals.keySet());
    }

    @Override
    public ErrorStatusUpdateControl<RewriterModel> updateErrorStatus(
            RewriterModel model, Context<RewriterModel> context, Exception e) {
        metrics.reconcileFailed(ResourceID.fromResource(model));
        return ErrorStatusUpdateControl.defaultErrorProcessing();
    }

    private RewriterModelStatus reconcileDeployed(
            RewriterModel model, Context<RewriterModel> context, ResourceID id, RewriterModelStatus previous) {
        ScalingPolicy policy;
        try {
            policy = ScalingPolicy.from(model.getSpec());
        } catch (IllegalArgumentException e) {
            // A spec error: no retry, the user has to edit the resource.
            return invalidSpec(model, previous, e.getMessage());
        }
        WeightSource weights = WeightSource.of(model);
        Optional<FieldError> nameTooLong = ModelNameLimit.check(model, weights);
        if (nameTooLong.isPresent()) {
            return invalidSpec(model, previous, nameTooLong.get().toString());
        }
        WeightsState weightsState = WeightsState.NotNeeded;
        String jobName = null;
        if (weights.usesCache()) {
            apply(cachePvc, model, context);
            apply(downloadJob, model, context);
            String name = ModelNames.downloadJob(model, weights.identity());
            jobName = name;
            weightsState = WeightsState.of(context.getSecondaryResources(Job.class).stream()
                    .filter(j -> name.equals(j.getMetadata().getName()))
                    .findFirst());
        }

        Optional<Deployment> existing = context.getSecondaryResource(Deployment.class);
        try {
            apiKey.ensure(context.getClient(), model, context.getSecondaryResources(Pod.class));
        } catch (KubernetesClientException e) {
            throw refusal(
                    e,
                    "create",
                    Secret.class,
                    model.getMetadata().getNamespace(),
                    () -> ModelNames.apiKeySecret(model));
        }
        // A Deployment made before models had keys serves on without one while an unfinished bound job has a
        // worker (or preview) Job made without the key: its pods would be refused. Turned on once none has,
        // whatever jobs came after (their Jobs carry the key).
        boolean asked;
        try {
            asked = apiKey.asked(
                    context.getClient(),
                    existing,
                    ModelBoundJobs.unfinishedOf(context.getSecondaryResources(RewriteJob.class)),
                    keylessCallers);
        } catch (KubernetesClientException e) {
            throw refusal(e, "list", Job.class, model.getMetadata().getNamespace(), () -> null);
        }
        context.managedWorkflowAndDependentResourceContext().put(VllmDeployment.API_KEY_KEY, asked);
        int current = previous.getDesiredReplicas() != null
                ? previous.getDesiredReplicas()
                : existing.map(d -> d.getSpec().getReplicas()).orElse(0);
        boolean keda = model.getSpec().getAutoscaling() != null
                && model.getSpec().getAutoscaling().getMode() == RewriterModelSpec.AutoscalingMode.keda;
        Optional<QueueSample> sample = observations.sample(id);
        int desired;
        String problem = null;
        Recommendation decision = null;
        Backlog decisionBacklog = null;
        String wake = null;
        if (keda) {
            // KEDA's HPA owns the count; rendering what runs keeps the operator from fighting it. Where
            // KEDA cannot see what the operator does (weights not servable, work while at zero), the
            // ScaledObject is paused at the operator's count instead (KedaPause).
            int replicasNow = existing.map(d -> d.getSpec().getReplicas()).orElse(0);
            Integer pausedBefore = context.getSecondaryResourcesAsStream(ScaledObject.class)
                    .filter(so -> ModelNames.scaledObject(model)
                            .equals(so.getMetadata().getName()))
                    .findFirst()
                    .map(KedaScaledObject::pausedReplicas)
                    .orElse(null);
            Integer pause = KedaPause.decide(
                    weightsState.servable(),
                    remainingWork.remainingWork(model, context),
                    replicasNow,
                    pausedBefore,
                    policy.min());
            if (pause != null) {
                KedaScaledObject.pause(context, pause);
            }
            problem = scaledObjectProblem(context);
            if (problem != null) {
                context.managedWorkflowAndDependentResourceContext().put(RECHECK_KEY, SCALED_OBJECT_RECHECK);
            }
            // Without KEDA nothing would bring a woken model down again: no wake then (the model is Degraded).
            desired = pause != null && (problem == null || pause == 0)
                    ? pause
                    : existing.map(d -> d.getSpec().getReplicas()).orElse(policy.min());
            if (pause != null && pause > 0 && replicasNow != pause && problem == null) {
                // told once the Deployment took it (below): a refused write woke nothing, and the next
                // reconcile, still finding the Deployment short of the pause, tells it then
                wake = "Scaled from " + replicasNow + " to " + pause + " replicas (" + ScaleReason.WakeOnWork
                        + ": bound jobs have work and no worker runs; the ScaledObject is paused at " + pause
                        + " until one does)";
            }
        } else {
            reconcileScaledObject(context);
            Backlog backlog = remainingWork.remainingWork(model, context);
            Instant now = clock.instant();
            Recommendation rec =
                    recommender.recommend(current, sample.orElse(null), backlog, policy, now, observations.history(id));
            desired = rec.replicas();
            ReplicaRecommender.idleEndsAt(desired, rec.history(), backlog, policy, now)
                    .ifPresent(end -> context.managedWorkflowAndDependentResourceContext()
                            .put(RECHECK_KEY, Duration.between(now, end).plusMillis(100)));
            decision = rec;
            decisionBacklog = backlog;
        }
        context.managedWorkflowAndDependentResourceContext()
                .put(VllmDeployment.REPLICAS_KEY, weightsState.servable() ? desired : 0);
        if (!asked) {
            // no event tells that a keyless worker Job was replaced by a keyed one: look again
            recheckAt(context, clock.instant().plus(heldKeyRecheck));
        }
        apply(deployment, model, context);
        if (wake != null) {
            // the ScaledObject's pause and the Deployment's count were both written
            events.normal(model, ModelEvents.SCALED, wake);
        }
        if (decision != null) {
            // Told and remembered once the Deployment took it: a refused write scaled nothing.
            Recommendation rec = decision;
            Backlog backlog = decisionBacklog;
            observations.recordHistory(id, rec.history());
            if (desired != current) {
                events.normal(
                        model,
                        ModelEvents.SCALED,
                        "Scaled from " + current + " to " + desired + " replicas ("
                                + rec.reason()
                                + (rec.reason() == ScaleReason.JobsQueued ? ": " + queued(backlog.queuedJobs()) : "")
                                + sample.map(s -> ", waiting " + s.waiting() + ", running " + s.running())
                                        .orElse("")
                                + (backlog.requests() > 0
                                        ? ", backlog " + backlog.shards() + " shards, " + backlog.requests()
                                                + " requests"
                                        : "")
                                + ")");
            }
        }
        apply(service, model, context);
        apply(replicaService, model, context);
        if (ModelDisruptionBudget.wanted(model, settings)) {
            apply(disruptionBudget, model, context);
        } else {
            deleteAll(context, PodDisruptionBudget.class);
        }

        Optional<Deployment> observed = context.getSecondaryResource(Deployment.class);
        int replicas = replicasOf(observed);
        int ready = readyReplicasOf(observed);
        String downloadJobName = jobName;
        ModelPodsNotStarting.Reading notStarting = ModelPodsNotStarting.read(
                List.copyOf(context.getSecondaryResources(Pod.class)),
                observed,
                downloadJobName == null || weightsState != WeightsState.Downloading
                        ? Optional.empty()
                        : context.getSecondaryResources(Job.class).stream()
                                .filter(j ->
                                        downloadJobName.equals(j.getMetadata().getName()))
                                .findFirst(),
                clock.instant(),
                settings.progressDeadline());
        notStarting.due().ifPresent(due -> recheckAt(context, due));
        boolean stuck = observed.map(d -> d.getStatus() == null || d.getStatus().getConditions() == null
                        ? false
                        : d.getStatus().getConditions().stream()
                                .anyMatch(c -> "Progressing".equals(c.getType())
                                        && "False".equals(c.getStatus())
                                        && "ProgressDeadlineExceeded".equals(c.getReason())))
                .orElse(false);
        ModelObservation observation = new ModelObservation(
                false,
                null,
                weightsState,
                replicas,
                ready,
                desired,
                stuck,
                problem,
                notStarting.finding().orElse(null),
                jobName,
                model.getMetadata().getNamespace(),
                DeploymentRollout.of(observed.orElse(null)));
        metrics.replicas(id, desired, ready);

        RewriterModelStatus next = decided(model, previous, observation);
        next.setReplicas(replicas);
        next.setReadyReplicas(ready);
        next.setDesiredReplicas(desired);
        next.setEndpoint(ModelNames.serviceUrl(model));
        next.setQueue(queueForStatus(previous.getQueue(), sample.orElse(null)));
        next.setLastScaleTime(
                desired != current || previous.getLastScaleTime() == null && previous.getDesiredReplicas() == null
                        ? now()
                        : previous.getLastScaleTime());
        return next;
    }

    /** The next decision is due at {@code at} at the latest, whatever else asked for one later. */
    private void recheckAt(Context<RewriterModel> context, Instant at) {
        var workflow = context.managedWorkflowAndDependentResourceContext();
        Duration in = Duration.between(clock.instant(), at).plusMillis(100);
        Optional<Duration> other = workflow.get(RECHECK_KEY, Duration.class);
        workflow.put(RECHECK_KEY, other.filter(o -> o.compareTo(in) < 0).orElse(in));
    }

    private RewriterModelStatus reconcileExternal(RewriterModel model, Context<RewriterModel> context, ResourceID id) {
        // Switched from deployed to external: nothing may keep running.
        deleteAll(context, Deployment.class);
        deleteAll(context, Service.class);
        deleteAll(context, Job.class);
        deleteAll(context, PersistentVolumeClaim.class);
        deleteAll(context, PodDisruptionBudget.class);
        reconcileScaledObject(context);
        ModelObservation observation = new ModelObservation(
                true, observations.health(id).orElse(null), WeightsState.NotNeeded, 0, 0, 0, false, null);
        RewriterModelStatus previous = Optional.ofNullable(model.getStatus()).orElseGet(RewriterModelStatus::new);
        RewriterModelStatus next = decided(model, previous, observation);
        next.setEndpoint(model.getSpec().getEndpoint().getUrl());
        return next;
    }

    /** Runs the workflow of the one managed dependent: makes, updates or deletes the ScaledObject. */
    private WorkflowReconcileResult reconcileScaledObject(Context<RewriterModel> context) {
        KedaScaledObject.handOver(context, settings, kedaPresence);
        return context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
    }

    /** Brings the ScaledObject in line; null when it is, else what keeps it from being made. */
    private String scaledObjectProblem(Context<RewriterModel> context) {
        var workflow = context.managedWorkflowAndDependentResourceContext();
        var result = reconcileScaledObject(context);
        Optional<String> missing = workflow.get(KedaScaledObject.PROBLEM_KEY, String.class);
        if (missing.isPresent()) {
            return missing.get();
        }
        return result.getErroredDependents().values().stream()
                .findFirst()
                .map(e -> e instanceof KubernetesClientException k
                        ? KedaScaledObject.failure(k)
                        : "could not apply the KEDA ScaledObject: " + e.getMessage())
                .orElse(null);
    }

    private <R extends HasMetadata> void deleteAll(Context<RewriterModel> context, Class<R> type) {
        context.getSecondaryResources(type).forEach(r -> {
            try {
                context.getClient().resource(r).delete();
            } catch (KubernetesClientException e) {
                throw refusal(e, "delete", type, r.getMetadata().getNamespace(), () -> r.getMetadata()
                        .getName());
            }
        });
    }

    /**
     * Creates or updates one owned object; the authorizer's 403 and an answer the same object would
     * get again ({@link ApiRefusals#permanent}: 422, 400, 413, an admission denial...) become the
     * refusal the status reports.
     */
    private <R extends HasMetadata> void apply(
            KubernetesDependentResource<R, RewriterModel> dependent,
            RewriterModel model,
            Context<RewriterModel> context) {
        Optional<R> existing = dependent.getSecondaryResource(model, context);
        try {
            dependent.reconcile(model, context);
        } catch (KubernetesClientException e) {
            throw refusal(
                    e,
                    existing.isPresent() ? "update" : "create",
                    dependent.resourceType(),
                    model.getMetadata().getNamespace(),
                    () -> existing.map(r -> r.getMetadata().getName())
                            .orElseGet(() -> dependent instanceof ModelDependent<R> d ? d.name(model, context) : null));
        }
    }

    /**
     * {@link ApiRefusals.Forbidden} for the authorizer's 403, {@link ApiRefusals.Invalid} for an
     * answer the same object would get again, else {@code e} to retry. The object is named by the
     * server's answer, else by {@code name} (a 400 or 413 says nothing of which object it was).
     */
    private static RuntimeException refusal(
            KubernetesClientException e,
            String verb,
            Class<? extends HasMetadata> type,
            String namespace,
            Supplier<String> name) {
        if (ApiRefusals.forbidden(e)) {
            return ApiRefusals.forbidden(e, verb, ApiRefusals.rbacResource(type), namespace);
        }
        if (ApiRefusals.permanent(e)) {
            String named = e.getStatus() == null || e.getStatus().getDetails() == null
                    ? null
                    : e.getStatus().getDetails().getName();
            if (named == null || named.isEmpty()) {
                named = name.get();
            }
            return new ApiRefusals.Invalid(
                    ApiRefusals.rejected(e, verb, HasMetadata.getKind(type), named == null ? "" : named));
        }
        return e;
    }

    private RewriterModelStatus decided(RewriterModel model, RewriterModelStatus previous, ModelObservation o) {
        ModelStatusDecider.Decision d = ModelStatusDecider.decide(o);
        ModelStatusDecider.Kstatus k = ModelStatusDecider.kstatus(d);
        RewriterModelStatus next = new RewriterModelStatus();
        next.setPhase(d.phase());
        next.setObservedGeneration(model.getMetadata().getGeneration());
        var pass = conditions
                .from(previous.getConditions(), model.getMetadata().getGeneration())
                .ready(d.ready().status(), d.ready().reason(), d.ready().message())
                .progressing(
                        d.progressing().status(),
                        d.progressing().reason(),
                        d.progressing().message())
                .degraded(
                        d.degraded().status(),
                        d.degraded().reason(),
                        d.degraded().message())
                .set(
                        Conditions.RECONCILING,
                        k.reconciling().status(),
                        k.reconciling().reason(),
                        k.reconciling().message())
                .set(
                        Conditions.STALLED,
                        k.stalled().status(),
                        k.stalled().reason(),
                        k.stalled().message());
        ModelPodsNotStarting stuck = o.notStarting();
        if (stuck != null && stuck.overdue() && o.weights() != WeightsState.Failed) {
            // Present only while it lasts; its reason is the cause, told once by a Warning Event (announce).
            pass.set(Conditions.PODS_NOT_STARTING, true, stuck.cause(), stuck.text());
        }
        next.setConditions(pass.build());
        return next;
    }

    private RewriterModelStatus invalidSpec(RewriterModel model, RewriterModelStatus previous, String message) {
        RewriterModelStatus next = new RewriterModelStatus();
        next.setPhase(ModelPhase.Failed);
        next.setObservedGeneration(model.getMetadata().getGeneration());
        next.setConditions(conditions
                .from(previous.getConditions(), model.getMetadata().getGeneration())
                .ready(false, ModelReason.InvalidSpec, message)
                .progressing(false, ModelReason.InvalidSpec, message)
                .degraded(true, ModelReason.InvalidSpec, message)
                .set(Conditions.RECONCILING, false, ModelReason.InvalidSpec, "")
                .set(Conditions.STALLED, true, ModelReason.InvalidSpec, message)
                .build());
        return next;
    }

    /** The Deployment's pods as its status counts them; 0 with no Deployment or no status yet. */
    private static int replicasOf(Optional<Deployment> deployment) {
        return deployment
                .map(d -> d.getStatus() == null ? null : d.getStatus().getReplicas())
                .orElse(0);
    }

    /** Its pods that pass readiness. */
    private static int readyReplicasOf(Optional<Deployment> deployment) {
        return deployment
                .map(d -> d.getStatus() == null ? null : d.getStatus().getReadyReplicas())
                .orElse(0);
    }

    /**
     * What an API server refusal leaves: the model Degraded (Failed when the server refuses an object as
     * invalid and no replica serves, as nothing can be made from the spec until it changes), the refusal in
     * Ready, Progressing and Degraded, the rest of the status as it was, the replica counts as observed.
     */
    private RewriterModelStatus refusedByApiServer(
            RewriterModel model,
            Context<RewriterModel> context,
            RewriterModelStatus previous,
            ModelReason reason,
            String message) {
        Optional<Deployment> observed = model.getSpec().getEndpoint() == null
                ? context.getSecondaryResource(Deployment.class)
                : Optional.empty();
        int replicas = replicasOf(observed);
        int ready = readyReplicasOf(observed);
        ModelPhase phase =
                reason == ModelReason.RejectedByApiServer && ready == 0 ? ModelPhase.Failed : ModelPhase.Degraded;
        RewriterModelStatus next = new RewriterModelStatus();
        next.setPhase(phase);
        next.setObservedGeneration(model.getMetadata().getGeneration());
        // Counts as observed; none recorded yet and nothing observed stays unset. The replicas asked for are the
        // Deployment's: a refusal after it was made (its Service, its claim) may come before any decision was
        // recorded, and its replicas serve meanwhile (1/0 would say none was asked for).
        next.setReplicas(previous.getReplicas() == null && replicas == 0 ? null : Integer.valueOf(replicas));
        next.setReadyReplicas(previous.getReadyReplicas() == null && ready == 0 ? null : Integer.valueOf(ready));
        next.setDesiredReplicas(
                observed.map(d -> d.getSpec() == null ? null : d.getSpec().getReplicas())
                        .orElse(previous.getDesiredReplicas()));
        next.setEndpoint(previous.getEndpoint());
        next.setQueue(previous.getQueue());
        next.setLastScaleTime(previous.getLastScaleTime());
        next.setConditions(conditions
                .from(previous.getConditions(), model.getMetadata().getGeneration())
                .ready(ready > 0 && phase != ModelPhase.Failed, reason, message)
                .progressing(false, reason, message)
                .degraded(true, reason, message)
                .set(Conditions.RECONCILING, false, reason, "")
                .set(Conditions.STALLED, true, reason, message)
                .build());
        return next;
    }

    /**
     * Warnings when the model enters a failed or degraded phase (once per transition, not per reconcile),
     * when its pods stop starting for another cause (once per cause, not per pod nor per reconcile), and
     * when the API server refuses something new (once per refusal, however often it is tried again).
     */
    private void announce(RewriterModel model, RewriterModelStatus previous, RewriterModelStatus next) {
        var notStarting = ConditionAggregator.find(next.getConditions(), Conditions.PODS_NOT_STARTING);
        var notStartingBefore = ConditionAggregator.find(previous.getConditions(), Conditions.PODS_NOT_STARTING);
        if (notStarting != null
                && (notStartingBefore == null
                        || !Objects.equals(notStartingBefore.getReason(), notStarting.getReason()))) {
            events.warning(model, notStarting.getReason(), notStarting.getMessage());
        }
        var degraded = ConditionAggregator.find(next.getConditions(), Conditions.DEGRADED);
        boolean entered = next.getPhase() != previous.getPhase()
                && (next.getPhase() == ModelPhase.Failed || next.getPhase() == ModelPhase.Degraded)
                // told above, under the cause's own reason
                && !(degraded != null && ModelReason.PodsNotStarting.name().equals(degraded.getReason()));
        boolean newRefusal = false;
        if (degraded != null
                && (ModelReason.Forbidden.name().equals(degraded.getReason())
                        || ModelReason.RejectedByApiServer.name().equals(degraded.getReason()))) {
            var before = ConditionAggregator.find(previous.getConditions(), Conditions.DEGRADED);
            newRefusal = before == null
                    || !Objects.equals(before.getReason(), degraded.getReason())
                    || !Objects.equals(before.getMessage(), degraded.getMessage());
        }
        if (entered || newRefusal) {
            events.warning(
                    model,
                    degraded != null ? degraded.getReason() : next.getPhase().name(),
                    degraded != null ? degraded.getMessage() : "");
        }
    }

    /** Why a model whose bound jobs all wait for Kueue keeps no replica for them. */
    static String queued(long jobs) {
        return jobs == 1
                ? "1 bound job's worker Job waits for Kueue to admit it: none of its workers can run until then"
                : jobs + " bound jobs' worker Jobs wait for Kueue to admit them: none of their workers can run until"
                        + " then";
    }

    private RewriterModelStatus.QueueSample queueForStatus(
            RewriterModelStatus.QueueSample previous, QueueSample sample) {
        if (sample == null) {
            return previous;
        }
        if (previous != null
                && previous.getSampledAt() != null
                && Integer.valueOf(sample.waiting()).equals(previous.getWaiting())
                && Integer.valueOf(sample.running()).equals(previous.getRunning())
                && Rfc3339.parse(previous.getSampledAt())
                        .plusSeconds(QUEUE_STATUS_REFRESH_SECONDS)
                        .isAfter(sample.sampledAt())) {
            return previous;
        }
        RewriterModelStatus.QueueSample q = new RewriterModelStatus.QueueSample();
        q.setWaiting(sample.waiting());
        q.setRunning(sample.running());
        q.setSampledAt(Rfc3339.format(sample.sampledAt()));
        return q;
    }

    private String now() {
        return Rfc3339.format(clock.instant());
    }
}
