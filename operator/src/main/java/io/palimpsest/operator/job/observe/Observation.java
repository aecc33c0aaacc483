package io.palimpsest.operator.job.observe;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.common.SecretKeyRef;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.ModelPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ModelDefaults;
import io.palimpsest.api.worker.PlanRefusals;
import io.palimpsest.api.worker.PlanSummary;
import io.palimpsest.api.worker.Tally;
import io.palimpsest.operator.OwnerReferences;
import io.palimpsest.operator.job.JobPhaseMachine;
import io.palimpsest.operator.job.JobSettings;
import io.palimpsest.operator.job.ParallelismPolicy;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.operator.job.WorkerDemand;
import io.palimpsest.operator.job.ranges.CompactRanges;
import io.palimpsest.operator.job.ranges.RangeSet;
import io.palimpsest.operator.model.resources.ModelApiKey;
import io.palimpsest.operator.status.ConditionAggregator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What one reconcile sees of a RewriteJob's world, read from the informer caches only (no API
 * calls): its model, config, planner/worker/tally Jobs and their terminated pods.
 *
 * <p>Only the job's own objects are observed: a Job or ConfigMap whose controller reference
 * carries this RewriteJob's uid, and the pods of those Jobs (their controller's uid). The caches
 * match an owned object to its RewriteJob by name and label only, so a RewriteJob deleted and
 * created again under the same name would otherwise take the first one's objects for its own
 * (its shard count, its failed worker Job, its ledger) while the garbage collector has not
 * deleted them yet; those are kept apart in {@link #previousObjects}, and the job waits for them
 * to go before it makes its own.
 *
 * @param jobs            the job's own Jobs, every role
 * @param previousObjects Jobs and ConfigMaps the caches hold under this job's name that are not its own
 */
public record Observation(
        RewriteJob job,
        RewriterModel model,
        ConfigMap configMap,
        List<Job> jobs,
        List<HasMetadata> previousObjects,
        Job plannerJob,
        Job workerJob,
        Job tallyJob,
        List<Pod> pods,
        Long shards,
        boolean plannedShardsUnrecorded,
        JobPhaseMachine.PlannerState plannerState,
        String plannerFailure,
        WorkerJobView worker,
        ClusterReadings.HelperState tallyState,
        Tally tally,
        List<RewriteJob> modelPeers,
        JobSettings settings) {

    /** The index of RewriteJobs by the model they name, {@link #modelKey}: a model's event reaches its jobs. */
    public static final String BY_MODEL = "byModel";

    public static String modelKey(String namespace, String name) {
        return namespace + "/" + name;
    }

    public static Observation of(RewriteJob job, Context<RewriteJob> context, JobSettings settings) {
        RewriterModel model = context.getSecondaryResource(RewriterModel.class).orElse(null);
        String uid = job.getMetadata().getUid();
        List<HasMetadata> previous = new ArrayList<>();
        ConfigMap configMap = null;
        for (ConfigMap c : context.getSecondaryResources(ConfigMap.class)) {
            if (OwnerReferences.controlledBy(c, uid)) {
                configMap = c;
            } else {
                previous.add(c);
            }
        }
        List<Job> jobs = new ArrayList<>();
        for (Job j : context.getSecondaryResources(Job.class)) {
            if (OwnerReferences.controlledBy(j, uid)) {
                jobs.add(j);
            } else {
                previous.add(j);
            }
        }
        previous.sort(Comparator.comparing((HasMetadata o) -> o.getKind())
                .thenComparing(o -> o.getMetadata().getName()));
        Set<String> jobUids = jobs.stream().map(j -> j.getMetadata().getUid()).collect(Collectors.toSet());
        Job planner = null;
        Job worker = null;
        Job tally = null;
        for (Job j : jobs) {
            String role = j.getMetadata().getLabels() == null
                    ? null
                    : j.getMetadata().getLabels().get(RewriteJobNames.ROLE_LABEL);
            if (RewriteJobNames.ROLE_PLAN.equals(role)) {
                planner = j;
            } else if (RewriteJobNames.ROLE_WORK.equals(role)) {
                worker = j;
            } else if (RewriteJobNames.ROLE_TALLY.equals(role)) {
                tally = j;
            }
        }
        // A pod is the job's when one of its Jobs controls it: the label alone is also on an earlier job's pods.
        List<Pod> pods = context.getSecondaryResources(Pod.class).stream()
                .filter(p -> OwnerReferences.controllerOf(p)
                        .map(r -> jobUids.contains(r.getUid()))
                        .orElse(false))
                .toList();

        // The shard count: the status once recorded, else the planner Job's annotation, else its pod's message.
        RewriteJobStatus status = job.getStatus();
        Long shards = status != null && status.getShards() != null
                ? (Long) status.getShards().getTotal()
                : null;
        String annotated = planner == null || planner.getMetadata().getAnnotations() == null
                ? null
                : planner.getMetadata().getAnnotations().get(RewriteJobNames.SHARDS_ANNOTATION);
        if (shards == null && annotated != null) {
            shards = Long.parseLong(annotated);
        }
        ClusterReadings.HelperState plannerRun = ClusterReadings.helperJob(planner);
        List<Pod> plannerPods = podsOf(pods, RewriteJobNames.ROLE_PLAN);
        if (shards == null && plannerRun == ClusterReadings.HelperState.SUCCEEDED) {
            shards = plannerPods.stream()
                    .map(p -> ClusterReadings.message(p, PlanSummary.class))
                    .flatMap(Optional::stream)
                    .map(PlanSummary::getShards)
                    .findFirst()
                    .orElse(null);
        }
        JobPhaseMachine.PlannerState plannerState = shards != null
                ? JobPhaseMachine.PlannerState.SUCCEEDED
                : switch (plannerRun) {
                    case ABSENT, SUCCEEDED ->
                        JobPhaseMachine.PlannerState.NOT_STARTED; // succeeded without a readable count: plan again
                    case RUNNING -> JobPhaseMachine.PlannerState.RUNNING;
                    case FAILED -> JobPhaseMachine.PlannerState.FAILED;
                };
        String plannerFailure = plannerState == JobPhaseMachine.PlannerState.FAILED
                ? plannerPods.stream()
                        .sorted(LAST_FINISHED_FIRST)
                        .map(ClusterReadings::plannerFailureText)
                        .filter(Objects::nonNull)
                        .findFirst()
                        .orElse(null)
                : null;

        ClusterReadings.HelperState tallyState = ClusterReadings.helperJob(tally);
        Tally tallyResult = tallyState == ClusterReadings.HelperState.SUCCEEDED
                ? podsOf(pods, RewriteJobNames.ROLE_TALLY).stream()
                        .map(p -> ClusterReadings.message(p, Tally.class))
                        .flatMap(Optional::stream)
                        .findFirst()
                        .orElse(null)
                : null;

        List<RewriteJob> peers = model == null
                ? List.of()
                : context.getPrimaryCache()
                        .byIndex(
                                BY_MODEL,
                                modelKey(
                                        model.getMetadata().getNamespace(),
                                        model.getMetadata().getName()));
        return new Observation(
                job,
                model,
                configMap,
                List.copyOf(jobs),
                List.copyOf(previous),
                planner,
                worker,
                tally,
                pods,
                shards,
                shards != null && planner != null && annotated == null,
                plannerState,
                plannerFailure,
                ClusterReadings.workerJob(worker),
                tallyState,
                tallyResult,
                peers,
                settings);
    }

    /** This observation with the worker Job as the job counts its shards ({@link CommittedFailedShards}). */
    public Observation withWorker(WorkerJobView counted) {
        return new Observation(
                job,
                model,
                configMap,
                jobs,
                previousObjects,
                plannerJob,
                workerJob,
                tallyJob,
                pods,
                shards,
                plannedShardsUnrecorded,
                plannerState,
                plannerFailure,
                counted,
                tallyState,
                tally,
                modelPeers,
                settings);
    }

    /**
     * The warnings of the planner's summary ({@link PlanSummary#getWarnings}): what the recipe may do wrong
     * with some documents, as {@code palimpsest lint} and {@code local} tell it. Read while the shard count
     * is not yet recorded on the planner Job, so each is told once; empty otherwise.
     */
    public List<String> planWarnings() {
        if (!plannedShardsUnrecorded) {
            return List.of();
        }
        return podsOf(pods, RewriteJobNames.ROLE_PLAN).stream()
                .map(p -> ClusterReadings.message(p, PlanSummary.class))
                .flatMap(Optional::stream)
                .map(PlanSummary::getWarnings)
                .filter(Objects::nonNull)
                .findFirst()
                .orElse(List.of());
    }

    /**
     * What the job waits for before it makes anything: the objects under its names that are not its
     * own, each with its controller; null when there are none.
     */
    public String waitingForPreviousObjects() {
        if (previousObjects.isEmpty()) {
            return null;
        }
        return "waiting for the previous job's objects to be deleted: "
                + previousObjects.stream().map(OwnerReferences::describe).collect(Collectors.joining(", "))
                + "; a RewriteJob's objects go with it (the garbage collector deletes them), and this job"
                + " makes its own once they are gone";
    }

    /**
     * The planner Job failed, its newest pod having refused the plan for the state of the input ({@link
     * PlanRefusals#INPUT_NOT_READY}): the input missing, holding no file the globs take, only empty ones, or
     * another campaign that is not whole. False when that pod is gone (its word cannot be read any more).
     */
    public boolean plannerRefusedInput() {
        if (plannerState != JobPhaseMachine.PlannerState.FAILED || plannerJob == null) {
            return false;
        }
        String plannerUid = plannerJob.getMetadata().getUid();
        return podsOf(pods, RewriteJobNames.ROLE_PLAN).stream()
                .sorted(LAST_FINISHED_FIRST)
                .filter(p -> plannerUid == null
                        || p.getMetadata().getOwnerReferences() == null
                        || p.getMetadata().getOwnerReferences().isEmpty()
                        || p.getMetadata().getOwnerReferences().stream().anyMatch(o -> plannerUid.equals(o.getUid())))
                .map(ClusterReadings::terminated)
                .filter(Objects::nonNull)
                .findFirst()
                .map(t -> PlanRefusals.aboutInput(t.getExitCode(), t.getMessage()))
                .orElse(false);
    }

    /**
     * The pods of a helper Job, the last to finish first: the Job's failure is its last pod's (a first pod killed
     * out of memory and a retry that refused the input tell the refusal, whatever order the cache lists them in).
     */
    static final Comparator<Pod> LAST_FINISHED_FIRST = Comparator.comparing(
                    (Pod p) -> finishedAt(p), Comparator.nullsLast(Comparator.<Instant>reverseOrder()))
            .thenComparing(
                    p -> p.getMetadata().getCreationTimestamp() == null
                            ? null
                            : parseOrNull(p.getMetadata().getCreationTimestamp()),
                    Comparator.nullsLast(Comparator.<Instant>reverseOrder()));

    private static Instant finishedAt(Pod p) {
        var t = ClusterReadings.terminated(p);
        return t == null ? null : parseOrNull(t.getFinishedAt());
    }

    private static Instant parseOrNull(String rfc3339) {
        try {
            return io.palimpsest.operator.status.Rfc3339.parse(rfc3339);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /**
     * Until when the result of a helper Job that succeeded (the planner's shard count, the tally's totals), not
     * read from any of its pods, is waited for rather than taken as gone; null when it is gone now. A helper's result
     * is its pod's termination message, and the Job and its pods come through two watches: the Job's end can reach
     * the cache before its pod's, which would otherwise plan (or tally) again a job whose result is a moment away.
     * So while no pod of the helper shows its end, the result is awaited for {@code grace} after the Job's end (a
     * pod garbage-collected with its node never comes); a pod that ended without a readable result is gone at once.
     *
     * @param role {@link RewriteJobNames#ROLE_PLAN} or {@link RewriteJobNames#ROLE_TALLY}
     */
    public Instant helperResultDue(String role, Duration grace) {
        Job helper = RewriteJobNames.ROLE_PLAN.equals(role) ? plannerJob : tallyJob;
        Instant succeeded = ClusterReadings.succeededAt(helper);
        if (succeeded == null || podsOf(pods, role).stream().anyMatch(ClusterReadings::podTerminated)) {
            return null;
        }
        return succeeded.plus(grace);
    }

    /** How the status records a planner that failed ({@code PlanningFailed}): this, then the pod's words. */
    public static final String PLANNER_FAILED = "the planner Job failed: ";

    /**
     * The job's status records a plan refused for the state of its input: its Failed condition, PlanningFailed,
     * quotes the planner's termination message marked {@link PlanRefusals#INPUT_NOT_READY}. Read when the planner's
     * pod (or its Job) is gone: a node removed takes its pods with it, and the refusal must not be lost then.
     */
    public static boolean recordedInputRefusal(RewriteJobStatus status) {
        // ClusterReadings.failureText: "<reason> (exit <code>): <message>", or "exit <code>: <message>"
        return recordedPlannerFailure(status)
                .map(m -> RECORDED_INPUT_REFUSAL
                        .matcher(m.substring(PLANNER_FAILED.length()))
                        .lookingAt())
                .orElse(false);
    }

    /**
     * The planner's failure as the job's status recorded it while its pod was there (the Failed condition,
     * PlanningFailed, quoting the planner's termination message): kept once the pod is gone.
     */
    public static Optional<String> recordedPlannerFailure(RewriteJobStatus status) {
        if (status == null || status.getPhase() != JobPhase.Failed) {
            return Optional.empty();
        }
        var failed = ConditionAggregator.find(status.getConditions(), Conditions.FAILED);
        return failed != null
                        && JobReason.PlanningFailed.name().equals(failed.getReason())
                        && failed.getMessage() != null
                        && failed.getMessage().startsWith(PLANNER_FAILED)
                ? Optional.of(failed.getMessage())
                : Optional.empty();
    }

    private static final Pattern RECORDED_INPUT_REFUSAL =
            Pattern.compile("(?:[^:()]+ \\(exit " + ExitCodes.INVALID_JOB + "\\)|exit "
                    + ExitCodes.INVALID_JOB + "): "
                    + Pattern.quote(PlanRefusals.INPUT_NOT_READY));

    private static List<Pod> podsOf(List<Pod> pods, String role) {
        return pods.stream()
                .filter(p -> role.equals(p.getMetadata().getLabels().get(RewriteJobNames.ROLE_LABEL)))
                .filter(ClusterReadings::podTerminated)
                .sorted(ClusterReadings.newestFirst())
                .toList();
    }

    public List<FinishedPod> finishedWorkerPods(PodReadings readings) {
        RangeSet counted = job.getStatus() == null
                ? RangeSet.empty()
                : CompactRanges.decode(job.getStatus().getCountedShards());
        // Failed pods are needed to number attempts, even of shards already counted.
        List<FinishedPod> finished = pods.stream()
                .filter(p -> RewriteJobNames.ROLE_WORK.equals(
                        p.getMetadata().getLabels().get(RewriteJobNames.ROLE_LABEL)))
                .map(p -> readings.finishedPod(p, counted))
                .flatMap(Optional::stream)
                .toList();
        return ShardAttempts.number(finished);
    }

    /** The model's API key: its endpoint's apiKeySecretRef, or for a model the operator runs the key it made. */
    public SecretKeyRef modelApiKey() {
        if (model == null || model.getSpec() == null) {
            return null;
        }
        return model.getSpec().getEndpoint() == null
                ? ModelApiKey.ref(model)
                : model.getSpec().getEndpoint().getApiKeySecretRef();
    }

    int maxNumSeqs() {
        Integer n = model == null || model.getSpec().getEngine() == null
                ? null
                : model.getSpec().getEngine().getMaxNumSeqs();
        return n == null ? settings.defaultMaxNumSeqs() : n;
    }

    /** Ready replicas; an external endpoint counts as one replica while the model reports Ready. */
    public int readyReplicas() {
        if (model == null || model.getStatus() == null) {
            return 0;
        }
        Integer ready = model.getStatus().getReadyReplicas();
        if (ready != null && ready > 0) {
            return ready;
        }
        return model.getSpec().getEndpoint() != null && model.getStatus().getPhase() == ModelPhase.Ready ? 1 : 0;
    }

    public Integer explicitParallelism(RewriteJob job) {
        return intOf(
                job.getSpec().getWorkers() == null
                        ? null
                        : job.getSpec().getWorkers().getParallelism());
    }

    /**
     * Workers the job's model keeps busy at its largest ({@link ParallelismPolicy#fleetWorkers}); null when unknown.
     * A job without a model, like one on an external endpoint, has no fleet the operator sizes: only an explicit
     * parallelism says how many workers run at once.
     */
    public Integer fleetWorkers(RewriteJob job, ParallelismPolicy policy) {
        RewriteJobSpec.Workers w = job.getSpec().getWorkers();
        Integer maxReplicas = null;
        if (model != null && model.getSpec().getEndpoint() == null) {
            maxReplicas = ModelDefaults.of(model.getSpec()).getReplicas().getMax();
        }
        return policy.fleetWorkers(
                intOf(w == null ? null : w.getParallelism()),
                intOf(w == null ? null : w.getConcurrencyPerWorker()),
                maxReplicas,
                maxNumSeqs());
    }

    /**
     * Shards the worker Job has yet to complete or fail: those neither succeeded nor failed, and the succeeded ones
     * whose index runs once more to find its receipt ({@code unconfirmed}).
     */
    public long remainingShards(RewriteJobStatus folded) {
        return remainingShards(folded.getShards());
    }

    private static long remainingShards(RewriteJobStatus.ShardCounts counts) {
        return counts == null
                ? 0
                : counts.getTotal() - counts.getSucceeded() - counts.getFailed() + counts.getUnconfirmed();
    }

    public ParallelismPolicy.Demand demand(RewriteJob job, boolean suspended, RewriteJobStatus folded) {
        RewriteJobSpec.Workers w = job.getSpec().getWorkers();
        Integer explicit = intOf(w == null ? null : w.getParallelism());
        Integer concurrency = intOf(w == null ? null : w.getConcurrencyPerWorker());
        int weight = weightOf(job);
        WorkerDemand wants = new WorkerDemand(settings.defaultConcurrencyPerWorker(), settings.maxParallelism());
        List<ParallelismPolicy.Peer> peers = new ArrayList<>();
        for (RewriteJob peer : modelPeers) {
            if (!peer.getMetadata().getUid().equals(job.getMetadata().getUid()) && sharesCapacity(peer)) {
                Long left = WorkerDemand.shardsLeft(peer.getStatus());
                peers.add(new ParallelismPolicy.Peer(
                        weightOf(peer),
                        left == null
                                ? ParallelismPolicy.Peer.UNKNOWN
                                : wants.requests(peer.getSpec().getWorkers(), left)));
            }
        }
        long remaining = remainingShards(folded.getShards());
        Integer current = workerJob == null || workerJob.getSpec() == null
                ? null
                : workerJob.getSpec().getParallelism();
        return new ParallelismPolicy.Demand(
                explicit,
                concurrency,
                weight,
                peers,
                readyReplicas(),
                maxNumSeqs(),
                suspended,
                remaining,
                current == null ? 0 : current);
    }

    /**
     * A peer takes a share of the model while it runs with 'auto' parallelism and has shards for
     * workers: one whose shards have all finished (it tallies its receipts, or its worker Job is
     * ending) runs no worker, and its weight would keep the others at part of the model for nothing.
     * Its share is at most what its shards left keep in flight ({@link WorkerDemand}), the rest
     * going to the others ({@link ParallelismPolicy}).
     */
    private static boolean sharesCapacity(RewriteJob peer) {
        JobPhase phase = peer.getStatus() == null ? null : peer.getStatus().getPhase();
        boolean running =
                phase == JobPhase.Running && !Boolean.TRUE.equals(peer.getSpec().getSuspend());
        RewriteJobStatus.ShardCounts shards =
                peer.getStatus() == null ? null : peer.getStatus().getShards();
        boolean shardsLeft = shards == null || WorkerDemand.notStarted(shards) + shards.getRunning() > 0;
        return running
                && shardsLeft
                && intOf(
                                peer.getSpec().getWorkers() == null
                                        ? null
                                        : peer.getSpec().getWorkers().getParallelism())
                        == null;
    }

    private static int weightOf(RewriteJob job) {
        RewriteJobSpec.Workers w = job.getSpec().getWorkers();
        return w == null || w.getWeight() == null ? 1 : w.getWeight();
    }

    private static Integer intOf(IntOrString v) {
        return v == null || v.getIntVal() == null ? null : v.getIntVal();
    }
}
