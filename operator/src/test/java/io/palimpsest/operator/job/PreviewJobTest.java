package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.palimpsest.api.common.SecretKeyRef;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.operator.job.observe.ClusterReadings;
import io.palimpsest.operator.job.observe.WorkerStarts;
import io.palimpsest.operator.job.resources.WorkerPodTemplate;
import io.palimpsest.operator.job.status.JobStatusFolder;
import io.palimpsest.operator.model.autoscale.ReplicaLoadTimes;
import io.palimpsest.operator.status.ConditionAggregator;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreviewJobTest {
    private static final String MESSAGE = """
            {"plan":{"shards":4,"files":2,"bytes":81920,"documents":400,"documentsEstimated":false,"shardsRead":4,
            "documentsInReadShards":400,"bytesOfReadShards":81920,"sampled":50},
            "requests":{"estimate":400.0,"low":400.0,"high":400.0},
            "promptTokens":{"estimate":52000.0,"low":50000.0,"high":54000.0},
            "completionTokens":{"estimate":40000.0,"low":36000.0,"high":44000.0},
            "gpuHours":{"estimate":0.5,"low":0.45,"high":0.55},
            "wallHours":{"estimate":0.25,"low":0.2,"high":0.3},
            "cost":null,"capacitySource":"calibrated","tokensPerSecondPerReplica":22.2}""";

    private final ConditionAggregator conditions =
            new ConditionAggregator(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));

    private static RewriteJob job() {
        RewriteJob job = TestJobs.job("wiki", "s3://corpus/in/", "s3://corpus/out");
        RewriteJobSpec.Preview preview = new RewriteJobSpec.Preview();
        preview.setSample(50);
        preview.setSeed(7L);
        job.getSpec().setPreview(preview);
        job.getSpec().setSuspend(true);
        return job;
    }

    @Test
    void runsThePreviewCommandOnTheMountedJobAgainstTheWorkersEndpoint() {
        SecretKeyRef key = new SecretKeyRef();
        key.setName("model-key");
        key.setKey("token");
        RewriterModel model = new RewriterModel();
        model.setSpec(new RewriterModelSpec());
        model.getSpec().setEngine(new RewriterModelSpec.Engine());
        model.getSpec().getEngine().setTensorParallelSize(4);
        model.getSpec().setReplicas(new RewriterModelSpec.Replicas());
        model.getSpec().getReplicas().setMax(3);
        RewriteJob job = job();
        job.getSpec().getPreview().setGpuHourPrice(2.5);
        Job desired = PreviewJob.desired(
                job, "palimpsest:dev", "http://mistral.test.svc:8000", model, key, new TestSettings());

        assertEquals("wiki-preview", desired.getMetadata().getName());
        assertEquals(
                RewriteJobNames.ROLE_PREVIEW, desired.getMetadata().getLabels().get(RewriteJobNames.ROLE_LABEL));
        assertEquals("wiki", desired.getMetadata().getLabels().get(RewriteJobNames.JOB_LABEL));
        var pod = desired.getSpec().getTemplate();
        assertEquals(RewriteJobNames.ROLE_PREVIEW, pod.getMetadata().getLabels().get(RewriteJobNames.ROLE_LABEL));
        var container = pod.getSpec().getContainers().get(0);
        assertEquals("palimpsest:dev", container.getImage());
        assertEquals(
                List.of(
                        "preview",
                        "--job",
                        WorkerPodTemplate.JOB_FILE,
                        "--endpoint",
                        "http://mistral.test.svc:8000",
                        "--gpus-per-replica",
                        "4",
                        "--max-replicas",
                        "3",
                        "--min-replicas",
                        "0",
                        "--target-waiting-per-replica",
                        "16",
                        "--scale-down-seconds",
                        "300",
                        "--idle-to-zero-seconds",
                        "600",
                        "--autoscaler-period-seconds",
                        "15",
                        "--headroom",
                        "1.25",
                        "--auto-concurrency-per-worker",
                        "32",
                        "--max-parallelism",
                        "1000",
                        "--gpu-hour-price",
                        "2.5",
                        "--to-output",
                        "--sample",
                        "50",
                        "--seed",
                        "7",
                        "--out",
                        "/tmp/preview"),
                container.getArgs());
        assertTrue(container.getVolumeMounts().stream()
                .anyMatch(m -> m.getMountPath().equals(WorkerPodTemplate.CONFIG_DIR)));
        assertTrue(container.getEnv().stream()
                .anyMatch(e -> e.getName().equals(WorkerPodTemplate.MODEL_API_KEY_ENV)
                        && e.getValueFrom().getSecretKeyRef().getName().equals("model-key")));
        // a recipe or model refusal fails the same way every time: the Job does not retry it
        assertEquals(
                List.of(ExitCodes.MODEL_CONFIG),
                desired.getSpec()
                        .getPodFailurePolicy()
                        .getRules()
                        .get(0)
                        .getOnExitCodes()
                        .getValues());
    }

    @Test
    void aModelWithoutAReplicasSectionIsPricedAsTheOneReplicaTheAutoscalerRuns() {
        RewriterModel model = new RewriterModel();
        model.setSpec(new RewriterModelSpec());
        List<String> args = PreviewJob.desired(
                        job(), "palimpsest:dev", "http://m:8000", model, null, new TestSettings())
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getArgs();
        assertEquals("1", args.get(args.indexOf("--max-replicas") + 1), args.toString());
        // behind an external endpoint that states no replicas the fleet is not the operator's: no --max-replicas
        model.getSpec().setEndpoint(new RewriterModelSpec.ExternalEndpoint());
        args = PreviewJob.desired(job(), "palimpsest:dev", "http://m:8000", model, null, new TestSettings())
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getArgs();
        assertTrue(!args.contains("--max-replicas"), args.toString());
    }

    @Test
    void aRecipeWithoutModelPreviewsWithoutEndpointAndDefaultsFollowTheCrd() {
        RewriteJob job = job();
        job.getSpec().setModelRef(null);
        job.getSpec().setPreview(new RewriteJobSpec.Preview());
        Job desired = PreviewJob.desired(job, "palimpsest:dev", null, null, null, new TestSettings());
        assertEquals(
                List.of(
                        "preview",
                        "--job",
                        WorkerPodTemplate.JOB_FILE,
                        "--to-output",
                        "--sample",
                        "200",
                        "--seed",
                        "1",
                        "--out",
                        "/tmp/preview"),
                desired.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs());
        // no model to wait for, none to scale up
        assertTrue(PreviewJob.due(job, null, PreviewJob.Reading.ABSENT, false));
        assertFalse(PreviewJob.awaited(job));
    }

    @Test
    void theOperatorsMeasuresAndSettingsArePassedWithTheirSources() {
        RewriterModel model = new RewriterModel();
        model.setSpec(new RewriterModelSpec());
        model.getSpec().setReplicas(new RewriterModelSpec.Replicas());
        model.getSpec().getReplicas().setMax(2);
        JobSettings tuned = new TestSettings() {
            @Override
            public double headroom() {
                return 1.5;
            }

            @Override
            public int defaultConcurrencyPerWorker() {
                return 48;
            }
        };
        PreviewJob.Inputs measured = new PreviewJob.Inputs(
                new ReplicaLoadTimes.Measured(97.5, 3),
                new WorkerStarts.Measured(12.25, 4, "measured: median of this job's last 4 finished worker pod(s)"),
                56L);
        List<String> args = PreviewJob.args(new RewriteJobSpec.Preview(), "http://m:8000", model, tuned, measured);
        assertEquals("97.5", args.get(args.indexOf("--replica-load-seconds") + 1), args.toString());
        assertEquals(
                "measured: median of the model's last 3 pod(s), creationTimestamp to Ready",
                args.get(args.indexOf("--replica-load-source") + 1));
        assertEquals("12.3", args.get(args.indexOf("--worker-start-seconds") + 1), args.toString());
        assertTrue(
                args.get(args.indexOf("--worker-start-source") + 1).startsWith("measured: median of this job's"),
                args.toString());
        // the operator's own settings, not the preview's copy of the defaults
        assertEquals("1.5", args.get(args.indexOf("--headroom") + 1));
        assertEquals("48", args.get(args.indexOf("--auto-concurrency-per-worker") + 1));
        assertEquals("1000", args.get(args.indexOf("--max-parallelism") + 1));
        assertEquals(
                "56",
                args.get(args.indexOf("--campaign-shards") + 1),
                "the planner's shards, not the preview's own cut");

        List<String> unknown =
                PreviewJob.args(new RewriteJobSpec.Preview(), "http://m:8000", model, tuned, PreviewJob.Inputs.NONE);
        assertFalse(
                unknown.contains("--replica-load-seconds"), "nothing measured: nothing passed, the preview says so");
        assertFalse(unknown.contains("--worker-start-seconds"));
    }

    @Test
    void readsTheEstimateFromTheSucceededPodsTerminationMessage() {
        RewriteJob job = job();
        PreviewJob.Reading seen =
                PreviewJob.read(List.of(previewJob("Complete")), List.of(pod("Succeeded", 0, MESSAGE)));
        assertEquals(ClusterReadings.HelperState.SUCCEEDED, seen.state());

        RewriteJobStatus.Estimate e = PreviewJob.estimate(job, seen.summary());
        assertEquals(400L, e.getDocuments());
        assertFalse(e.getDocumentsEstimated());
        assertEquals(50, e.getSampled());
        assertEquals(new RewriteJobStatus.Range(40000, 36000, 44000), e.getCompletionTokens());
        assertEquals(new RewriteJobStatus.Range(0.5, 0.45, 0.55), e.getGpuHours());
        assertNull(e.getCost());
        assertEquals("calibrated", e.getCapacitySource());
        assertEquals("s3://corpus/out/_palimpsest/preview/report.html", e.getReport());

        RewriteJobStatus next = new RewriteJobStatus();
        next.setEstimate(e);
        Condition c = PreviewJob.condition(conditions, job, next, 1L, null, seen);
        assertEquals(PreviewJob.PREVIEWED, c.getType());
        assertEquals("True", c.getStatus());
        assertEquals(PreviewJob.DONE, c.getReason());
        assertTrue(c.getMessage().contains("400 documents"), c.getMessage());
        assertTrue(c.getMessage().contains("GPU-hours 0.500 (0.450-0.550)"), c.getMessage());
        assertTrue(c.getMessage().contains("report: s3://corpus/out/_palimpsest/preview/report.html"), c.getMessage());
        // recorded: never run again, even suspended once more
        assertFalse(PreviewJob.due(job, next, PreviewJob.Reading.ABSENT, true));
        assertEquals(e, JobStatusFolder.copyOf(next).getEstimate());
    }

    @Test
    void aFailedPreviewIsAConditionWithItsReasonAndIsNotRunAgain() {
        RewriteJob job = job();
        PreviewJob.Reading seen = PreviewJob.read(
                List.of(previewJob("Failed")),
                List.of(pod("Failed", ExitCodes.MODEL_CONFIG, "the model refused: 400 unknown model 'mistral'")));
        RewriteJobStatus next = new RewriteJobStatus();
        Condition c = PreviewJob.condition(conditions, job, next, 1L, null, seen);
        assertEquals("False", c.getStatus());
        assertEquals(PreviewJob.FAILED, c.getReason());
        assertTrue(c.getMessage().contains("wiki-preview failed"), c.getMessage());
        assertTrue(c.getMessage().contains("unknown model 'mistral'"), c.getMessage());
        assertFalse(PreviewJob.due(job, next, seen, true));

        // the Job deleted by hand: the failure stays, nothing is started again, the model is not held up for it
        RewriteJobStatus previous = new RewriteJobStatus();
        previous.setPhase(JobPhase.Suspended);
        previous.setConditions(new ArrayList<>(List.of(c)));
        job.setStatus(previous);
        Condition kept =
                PreviewJob.condition(conditions, job, new RewriteJobStatus(), 1L, previous, PreviewJob.Reading.ABSENT);
        assertEquals(PreviewJob.FAILED, kept.getReason());
        assertEquals(c.getMessage(), kept.getMessage());
        assertFalse(PreviewJob.due(job, previous, PreviewJob.Reading.ABSENT, true));
        assertFalse(PreviewJob.awaited(job));
    }

    @Test
    void aSucceededPodWithoutAReadableEstimateFailsThePreview() {
        PreviewJob.Reading seen =
                PreviewJob.read(List.of(previewJob("Complete")), List.of(pod("Succeeded", 0, "done")));
        Condition c = PreviewJob.condition(conditions, job(), new RewriteJobStatus(), 1L, null, seen);
        assertEquals(PreviewJob.FAILED, c.getReason());
        assertTrue(c.getMessage().contains("without a readable estimate"), c.getMessage());
    }

    @Test
    void dueOnlyOnceAndWhenTheModelAnswers() {
        RewriteJob job = job();
        assertTrue(PreviewJob.due(job, null, PreviewJob.Reading.ABSENT, true));
        assertFalse(PreviewJob.due(job, null, PreviewJob.Reading.ABSENT, false));
        PreviewJob.Reading running = PreviewJob.read(List.of(previewJob(null)), List.of());
        assertEquals(ClusterReadings.HelperState.RUNNING, running.state());
        assertFalse(PreviewJob.due(job, null, running, true));
        assertEquals(
                PreviewJob.RUNNING,
                PreviewJob.condition(conditions, job, new RewriteJobStatus(), 1L, null, running)
                        .getReason());
        job.getSpec().setPreview(null);
        assertFalse(PreviewJob.due(job, null, PreviewJob.Reading.ABSENT, true));
        assertNull(PreviewJob.condition(conditions, job, new RewriteJobStatus(), 1L, null, PreviewJob.Reading.ABSENT));
    }

    @Test
    void aSuspendedJobAwaitingItsPreviewNeedsTheModel() {
        RewriteJob job = job();
        assertTrue(PreviewJob.awaited(job));
        RewriteJobStatus status = new RewriteJobStatus();
        status.setPhase(JobPhase.Suspended);
        status.setEstimate(new RewriteJobStatus.Estimate());
        job.setStatus(status);
        assertFalse(PreviewJob.awaited(job));
        job.setStatus(null);
        job.getSpec().setSuspend(false);
        assertFalse(PreviewJob.awaited(job));
    }

    private static Job previewJob(String condition) {
        Job job = PreviewJob.desired(job(), "palimpsest:dev", "http://mistral:8000", null, null, new TestSettings());
        if (condition != null) {
            job.setStatus(new JobStatusBuilder()
                    .withConditions(new JobConditionBuilder()
                            .withType(condition)
                            .withStatus("True")
                            .build())
                    .build());
        }
        return job;
    }

    private static Pod pod(String phase, int exitCode, String message) {
        return new PodBuilder()
                .withNewMetadata()
                .withName("wiki-preview-x")
                .withCreationTimestamp("2026-01-01T00:00:00Z")
                .withLabels(RewriteJobNames.labels(job(), RewriteJobNames.ROLE_PREVIEW))
                .endMetadata()
                .withNewStatus()
                .withPhase(phase)
                .withContainerStatuses(new ContainerStatusBuilder()
                        .withName(RewriteJobNames.CONTAINER)
                        .withNewState()
                        .withNewTerminated()
                        .withExitCode(exitCode)
                        .withMessage(message)
                        .endTerminated()
                        .endState()
                        .build())
                .endStatus()
                .build();
    }
}
