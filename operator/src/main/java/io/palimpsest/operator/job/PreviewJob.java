package io.palimpsest.operator.job;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.palimpsest.api.common.SecretKeyRef;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.api.worker.ModelDefaults;
import io.palimpsest.operator.job.observe.ClusterReadings;
import io.palimpsest.operator.job.observe.WorkerStarts;
import io.palimpsest.operator.job.resources.MadeFrom;
import io.palimpsest.operator.job.resources.WorkerPodTemplate;
import io.palimpsest.operator.model.autoscale.ReplicaLoadTimes;
import io.palimpsest.operator.model.autoscale.ScalingPolicy;
import io.palimpsest.operator.status.ConditionAggregator;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code palimpsest preview --to-output}: before a campaign asked for with {@code spec.preview} and
 * {@code spec.suspend: true}, the recipe on a sample of the input against the model the workers
 * will call. The report goes to {@code <output>/_palimpsest/preview/}; the estimate's totals come
 * back as the pod's termination message and become {@code status.estimate}. Run once per job:
 * a failed preview is reported in the {@value #PREVIEWED} condition and not tried again, since the
 * Job already retried what a retry can fix.
 */
public final class PreviewJob {
    /** The condition that tells how the preview went, present only on a job that asks for one. */
    public static final String PREVIEWED = "Previewed";

    public static final String WAITING = "PreviewWaiting";
    public static final String RUNNING = "PreviewRunning";
    public static final String DONE = "PreviewDone";
    public static final String FAILED = "PreviewFailed";
    /** Where {@code preview --to-output} writes, under the job's output. */
    static final String REPORT_PATH = "_palimpsest/preview/report.html";

    private PreviewJob() {}

    /**
     * What the operator knows for the preview's estimate of the paid replica time; each part null
     * when it has nothing to measure from (the preview then says so, or falls back to what it can
     * measure itself, and names the source).
     *
     * @param load        the model's replicas' load time, from their pods
     * @param workerStart a worker pod's creation to its first request, from finished worker pods
     * @param shards      the planner's shards (it cuts long files for the fleet: one worker pod each)
     */
    public record Inputs(ReplicaLoadTimes.Measured load, WorkerStarts.Measured workerStart, Long shards) {
        public static final Inputs NONE = new Inputs(null, null, null);
    }

    /**
     * @param endpoint the model's base URL as the workers get it in job.yaml, or null for a recipe
     *                 that calls no model (the preview then runs without one and estimates no GPU-hours)
     */
    public static Job desired(
            RewriteJob job,
            String image,
            String endpoint,
            RewriterModel model,
            SecretKeyRef modelApiKey,
            JobSettings settings) {
        return desired(job, image, endpoint, model, modelApiKey, settings, Inputs.NONE);
    }

    public static Job desired(
            RewriteJob job,
            String image,
            String endpoint,
            RewriterModel model,
            SecretKeyRef modelApiKey,
            JobSettings settings,
            Inputs measured) {
        return new JobBuilder()
                .withNewMetadata()
                .withName(RewriteJobNames.previewJob(job))
                .withNamespace(job.getMetadata().getNamespace())
                .withLabels(RewriteJobNames.labels(job, RewriteJobNames.ROLE_PREVIEW))
                .withAnnotations(Map.of(MadeFrom.ANNOTATION, MadeFrom.annotation(MadeFrom.previewJob(job))))
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(settings.helperBackoffLimit())
                // a bad recipe or a model that refuses the job's requests fails the same way every time: no retries
                .withNewPodFailurePolicy()
                .addNewRule()
                .withAction("FailJob")
                .withNewOnExitCodes()
                .withContainerName(RewriteJobNames.CONTAINER)
                .withOperator("In")
                .withValues(ExitCodes.MODEL_CONFIG)
                .endOnExitCodes()
                .endRule()
                .endPodFailurePolicy()
                .withTemplate(WorkerPodTemplate.build(
                        job,
                        RewriteJobNames.ROLE_PREVIEW,
                        image,
                        modelApiKey,
                        Map.of(),
                        settings,
                        args(job.getSpec().getPreview(), endpoint, model, settings, measured)))
                .endSpec()
                .build();
    }

    static List<String> args(
            RewriteJobSpec.Preview preview,
            String endpoint,
            RewriterModel model,
            JobSettings settings,
            Inputs measured) {
        List<String> args = new ArrayList<>(List.of("preview", "--job", WorkerPodTemplate.JOB_FILE));
        if (endpoint != null) {
            args.addAll(List.of("--endpoint", endpoint));
        }
        // job.yaml does not carry the model's size: GPU-hours and wall time need it from here
        RewriterModelSpec spec = model == null ? null : model.getSpec();
        if (spec != null) {
            args.addAll(List.of("--gpus-per-replica", String.valueOf(gpusPerReplica(spec))));
            // what the campaign pays besides its work: the autoscaler's settings as it applies them, and the model's
            // load time
            ScalingPolicy policy = ScalingPolicy.from(spec);
            Integer maxReplicas = ModelDefaults.operatedMaxReplicas(spec);
            if (maxReplicas != null) {
                args.addAll(List.of("--max-replicas", String.valueOf(maxReplicas)));
            }
            args.addAll(List.of(
                    "--min-replicas",
                    String.valueOf(policy.min()),
                    "--target-waiting-per-replica",
                    String.valueOf(policy.targetWaitingPerReplica()),
                    "--scale-down-seconds",
                    String.valueOf(policy.scaleDownWindow().toSeconds()),
                    "--idle-to-zero-seconds",
                    String.valueOf(policy.idleToMin().toSeconds()),
                    "--autoscaler-period-seconds",
                    String.valueOf(policy.period().toSeconds())));
            // how this operator sizes an 'auto' fleet: its settings, never the preview's copy of the defaults
            args.addAll(List.of(
                    "--headroom",
                    String.valueOf(settings.headroom()),
                    "--auto-concurrency-per-worker",
                    String.valueOf(settings.defaultConcurrencyPerWorker()),
                    "--max-parallelism",
                    String.valueOf(settings.maxParallelism())));
            if (measured.load() != null) {
                args.addAll(List.of(
                        "--replica-load-seconds",
                        seconds(measured.load().seconds()),
                        "--replica-load-source",
                        measured.load().source()));
            }
        }
        if (measured.shards() != null) {
            args.addAll(List.of("--campaign-shards", String.valueOf(measured.shards())));
        }
        if (measured.workerStart() != null) {
            args.addAll(List.of(
                    "--worker-start-seconds",
                    seconds(measured.workerStart().seconds()),
                    "--worker-start-source",
                    measured.workerStart().source()));
        }
        if (preview.getGpuHourPrice() != null) {
            args.addAll(List.of("--gpu-hour-price", String.valueOf(preview.getGpuHourPrice())));
        }
        args.addAll(List.of(
                "--to-output",
                "--sample",
                String.valueOf(sample(preview)),
                "--seed",
                String.valueOf(preview.getSeed() == null ? 1L : preview.getSeed()),
                // scratch, not the image's read-only working directory; the copy that matters goes to the output
                "--out",
                "/tmp/preview"));
        return args;
    }

    private static String seconds(double seconds) {
        return String.format(Locale.ROOT, "%.1f", seconds);
    }

    /** As {@code palimpsest preview} reads a RewriterModel: resources.gpus, else tensorParallelSize, else 1. */
    static int gpusPerReplica(RewriterModelSpec spec) {
        if (spec.getResources() != null && spec.getResources().getGpus() != null) {
            return spec.getResources().getGpus();
        }
        if (spec.getEngine() != null && spec.getEngine().getTensorParallelSize() != null) {
            return spec.getEngine().getTensorParallelSize();
        }
        return 1;
    }

    private static int sample(RewriteJobSpec.Preview preview) {
        return preview.getSample() == null ? 200 : preview.getSample(); // the CRD's default
    }

    /** What the cluster shows of the preview Job: its state, its estimate once read, why it failed. */
    public record Reading(Job job, ClusterReadings.HelperState state, Summary summary, String failure) {
        static final Reading ABSENT = new Reading(null, ClusterReadings.HelperState.ABSENT, null, null);
    }

    /** The preview Job among the job's Jobs, and its newest terminated pod's message. */
    static Reading read(Collection<Job> jobs, List<Pod> pods) {
        Job preview = jobs.stream()
                .filter(j -> j.getMetadata().getLabels() != null
                        && RewriteJobNames.ROLE_PREVIEW.equals(
                                j.getMetadata().getLabels().get(RewriteJobNames.ROLE_LABEL)))
                .findFirst()
                .orElse(null);
        if (preview == null) {
            return Reading.ABSENT;
        }
        ClusterReadings.HelperState state = ClusterReadings.helperJob(preview);
        List<Pod> finished = pods.stream()
                .filter(p -> p.getMetadata().getLabels() != null
                        && RewriteJobNames.ROLE_PREVIEW.equals(
                                p.getMetadata().getLabels().get(RewriteJobNames.ROLE_LABEL)))
                .filter(ClusterReadings::podTerminated)
                .sorted(ClusterReadings.newestFirst())
                .toList();
        Summary summary = state == ClusterReadings.HelperState.SUCCEEDED
                ? finished.stream()
                        .map(p -> ClusterReadings.message(p, Summary.class))
                        .flatMap(Optional::stream)
                        .filter(s -> s.completionTokens() != null)
                        .findFirst()
                        .orElse(null)
                : null;
        String failure = state == ClusterReadings.HelperState.FAILED
                ? finished.stream()
                        .map(ClusterReadings::failureText)
                        .filter(Objects::nonNull)
                        .findFirst()
                        .orElse(null)
                : null;
        return new Reading(preview, state, summary, failure);
    }

    /**
     * The job asks for a preview and has none yet, and the model (if any) answers; that it runs only while
     * the job is suspended and planned is {@link JobDecider}'s rule.
     * A failed preview is not run again, even when its Job was deleted.
     */
    static boolean due(RewriteJob job, RewriteJobStatus previous, Reading seen, boolean modelReady) {
        return job.getSpec().getPreview() != null
                && (previous == null || previous.getEstimate() == null)
                && seen.job() == null
                && previousFailure(previous) == null
                && (modelReady || job.getSpec().getModelRef() == null);
    }

    /** A suspended job whose preview has not run nor failed: its model is needed now. */
    public static boolean awaited(RewriteJob job) {
        RewriteJobStatus status = job.getStatus();
        JobPhase phase = status == null ? null : status.getPhase();
        return job.getSpec() != null
                && job.getSpec().getPreview() != null
                && job.getSpec().getModelRef() != null
                && Boolean.TRUE.equals(job.getSpec().getSuspend())
                && (phase == null || !phase.isTerminal())
                && (status == null || status.getEstimate() == null)
                && previousFailure(status) == null;
    }

    /** The pod's summary as the status keeps it, with where the report was written. */
    static RewriteJobStatus.Estimate estimate(RewriteJob job, Summary s) {
        String output = job.getSpec().getOutput().getUri();
        Plan plan = s.plan();
        return new RewriteJobStatus.Estimate(
                plan == null ? null : plan.documents(),
                plan == null ? null : plan.documentsEstimated(),
                plan == null ? null : plan.sampled(),
                s.requests(),
                s.promptTokens(),
                s.completionTokens(),
                s.gpuHours(),
                s.wallHours(),
                s.cost(),
                s.capacitySource(),
                s.tokensPerSecondPerReplica(),
                (output.endsWith("/") ? output : output + "/") + REPORT_PATH);
    }

    /** The {@value #PREVIEWED} condition, or null when the job asks for no preview. */
    static Condition condition(
            ConditionAggregator aggregator,
            RewriteJob job,
            RewriteJobStatus next,
            Long generation,
            RewriteJobStatus previous,
            Reading seen) {
        if (job.getSpec().getPreview() == null) {
            return null;
        }
        RewriteJobStatus.Estimate e = next.getEstimate();
        boolean done = e != null;
        String reason;
        String message;
        if (done) {
            reason = DONE;
            message = describe(e);
        } else if (seen.state() == ClusterReadings.HelperState.FAILED
                || seen.state() == ClusterReadings.HelperState.SUCCEEDED) {
            reason = FAILED;
            message = seen.state() == ClusterReadings.HelperState.SUCCEEDED
                    ? "the preview Job " + seen.job().getMetadata().getName()
                            + " finished without a readable estimate in its pod's termination message"
                    : "the preview Job " + seen.job().getMetadata().getName() + " failed"
                            + (seen.failure() == null ? "" : ": " + seen.failure());
        } else if (seen.job() == null && previousFailure(previous) != null) {
            reason = FAILED; // the Job is gone (deleted by hand): keep what was said, do not run it again
            message = previousFailure(previous);
        } else if (seen.job() != null) {
            reason = RUNNING;
            message =
                    "running the recipe on a sample of " + sample(job.getSpec().getPreview()) + " documents";
        } else {
            reason = WAITING;
            message = Boolean.TRUE.equals(job.getSpec().getSuspend())
                    ? "waiting for the plan and the model"
                    : "not run: the job was not suspended when it could have run";
        }
        return aggregator
                .from(previous == null ? null : previous.getConditions(), generation)
                .set(PREVIEWED, done, reason, message)
                .build()
                .get(0);
    }

    private static String previousFailure(RewriteJobStatus previous) {
        Condition c = previous == null ? null : ConditionAggregator.find(previous.getConditions(), PREVIEWED);
        return c != null && FAILED.equals(c.getReason()) ? c.getMessage() : null;
    }

    /** One line for {@code kubectl describe}: the estimate's headline figures. */
    static String describe(RewriteJobStatus.Estimate e) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%s documents", e.getDocuments()));
        b.append(", completion tokens ").append(range(e.getCompletionTokens(), "%.0f"));
        if (e.getGpuHours() != null) {
            b.append(", GPU-hours ").append(range(e.getGpuHours(), "%.3g"));
        }
        if (e.getWallHours() != null) {
            b.append(", wall hours ").append(range(e.getWallHours(), "%.3g"));
        }
        if (e.getCost() != null) {
            b.append(", cost ").append(range(e.getCost(), "%.2f"));
        }
        return b.append("; report: ").append(e.getReport()).toString();
    }

    private static String range(RewriteJobStatus.Range r, String format) {
        return r == null
                ? "?"
                : r.getLow() == null || r.getHigh() == null
                        ? String.format(Locale.ROOT, format + " (no interval)", r.getEstimate())
                        : String.format(
                                Locale.ROOT,
                                format + " (" + format + "-" + format + ")",
                                r.getEstimate(),
                                r.getLow(),
                                r.getHigh());
    }

    /** The plan part of the termination message of {@code palimpsest preview}. */
    public record Plan(Long shards, Long documents, Boolean documentsEstimated, Integer sampled) {}

    /** The termination message of {@code palimpsest preview} (PreviewCommand.EstimateSummary); unknown fields are ignored. */
    public record Summary(
            Plan plan,
            RewriteJobStatus.Range requests,
            RewriteJobStatus.Range promptTokens,
            RewriteJobStatus.Range completionTokens,
            RewriteJobStatus.Range gpuHours,
            RewriteJobStatus.Range wallHours,
            RewriteJobStatus.Range cost,
            String capacitySource,
            Double tokensPerSecondPerReplica) {}
}
