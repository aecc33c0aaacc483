package io.palimpsest.operator.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.ModelPhase;
import io.palimpsest.api.v1alpha1.ModelReason;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModelStatus;
import io.palimpsest.operator.job.JobPhaseMachine.Decision;
import io.palimpsest.operator.job.status.JobConditions;
import io.palimpsest.operator.job.status.SpecApplied;
import io.palimpsest.operator.model.ModelObservation;
import io.palimpsest.operator.model.ModelStatusDecider;
import io.palimpsest.operator.model.WeightsState;
import io.palimpsest.operator.model.autoscale.EndpointHealth;
import io.palimpsest.operator.pods.StuckPods;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Records the statuses the operator writes, one per phase and reason, as a Lua table in
 * docs/argocd/test/recorded-statuses.lua: the Argo CD health checks are tested against them under
 * lua5.4 (docs/argocd/test/run.lua). The statuses come from the operator's own decision classes
 * (JobConditions, ModelStatusDecider), so a new phase or reason changes the file and fails this
 * test until the file is refreshed and given its expected health:
 * {@code mvn -pl operator test -Dtest=RecordedStatusesTest -Dpalimpsest.update-recorded=true}.
 */
class RecordedStatusesTest {
    private static final Path RECORDED = Path.of("..", "docs", "argocd", "test", "recorded-statuses.lua");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-20T08:00:00Z"), ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void recordedStatusesAreCurrent() throws IOException {
        Map<String, JsonNode> jobs = jobStatuses();
        Map<String, JsonNode> models = modelStatuses();

        Set<String> jobPhases = new TreeSet<>();
        Set<String> jobReasons = new TreeSet<>();
        jobs.values().forEach(s -> {
            jobPhases.add(s.get("phase").asText());
            s.get("conditions").forEach(c -> jobReasons.add(c.get("reason").asText()));
        });
        assertEquals(names(JobPhase.values()), jobPhases, "a RewriteJob phase has no recorded status");
        Set<String> missing = new TreeSet<>(names(JobReason.values()));
        missing.removeAll(jobReasons);
        assertTrue(missing.isEmpty(), "JobReason constants without a recorded status: " + missing);
        Set<String> modelPhases = new TreeSet<>();
        models.values().forEach(s -> modelPhases.add(s.get("phase").asText()));
        assertEquals(names(ModelPhase.values()), modelPhases, "a RewriterModel phase has no recorded status");

        String lua = "-- Written by RecordedStatusesTest from the operator's JobConditions and ModelStatusDecider:\n"
                + "-- the statuses of RewriteJobs and RewriterModels in every phase and reason. Do not edit.\n"
                + "return {\n  rewritejob = " + table(jobs, "  ") + ",\n  rewritermodel = " + table(models, "  ")
                + ",\n}\n";
        String current = Files.exists(RECORDED) ? Files.readString(RECORDED, StandardCharsets.UTF_8) : "";
        if (Boolean.getBoolean("palimpsest.update-recorded")) {
            Files.writeString(RECORDED, lua, StandardCharsets.UTF_8);
        } else if (!current.equals(lua)) {
            fail(
                    RECORDED + " is stale: refresh it with mvn -pl operator test -Dtest=RecordedStatusesTest "
                            + "-Dpalimpsest.update-recorded=true, then give new entries their health in docs/argocd/test/*-cases.lua");
        }
    }

    private static Map<String, JsonNode> jobStatuses() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        out.put("Pending/ModelNotFound", job(JobPhase.Pending, JobReason.ModelNotFound, null, 0, 0, false));
        out.put(
                "Pending/ModelFailed",
                job(
                        JobPhase.Pending,
                        JobReason.ModelFailed,
                        "RewriterModel 'qwen' has failed (WeightDownloadFailed: the weight download Job failed);"
                                + " no worker runs against it until it is fixed",
                        0,
                        0,
                        false));
        out.put(
                "Pending/WaitingForPreviousJob",
                job(
                        JobPhase.Pending,
                        JobReason.WaitingForPreviousJob,
                        "waiting for the previous job's objects to be deleted: Job wiki-wrap-plan (controller:"
                                + " RewriteJob wiki-wrap, uid 6f1e2a4c)",
                        0,
                        0,
                        false));
        out.put(
                "Pending/NameTaken",
                job(
                        JobPhase.Pending,
                        JobReason.NameTaken,
                        "ConfigMap wiki-wrap-job (no controller) already exists and is not this RewriteJob's",
                        0,
                        0,
                        false));
        out.put(
                "Pending/OutputInUse",
                job(
                        JobPhase.Pending,
                        JobReason.OutputInUse,
                        "spec.output.uri s3://corpus/wiki is the output of RewriteJob team-a/wiki-wrap (Running), which"
                                + " came first",
                        0,
                        0,
                        false));
        out.put(
                "Pending/InputInProgress",
                job(
                        JobPhase.Pending,
                        JobReason.InputInProgress,
                        "spec.input.uri s3://corpus/stage-1/ is the output of RewriteJob team-a/stage-1 (Running, 12/40"
                                + " shards), which has not finished: this job plans once it has Succeeded",
                        0,
                        0,
                        false));
        out.put(
                "Pending/InputIncomplete",
                job(
                        JobPhase.Pending,
                        JobReason.InputIncomplete,
                        "spec.input.uri s3://corpus/stage-1/ is the output of RewriteJob team-a/stage-1 (Failed, 12/40"
                                + " shards), which Failed (WorkerJobFailed): its output holds only the shards it"
                                + " committed",
                        0,
                        0,
                        false));
        out.put("Planning/Planning", job(JobPhase.Planning, JobReason.Planning, null, 0, 0, false));
        JsonNode plannerStuck = job(
                JobPhase.Planning,
                JobReason.Planning,
                null,
                0,
                0,
                false,
                new StuckPods.Summary(
                        new StuckPods.Stuck(
                                "wiki-wrap-plan-x7k2p",
                                "plan",
                                "ImagePullBackOff",
                                "ImagePullBackOff",
                                "Back-off pulling image \"registry.example/palimpsest/worker:0.1.0\""),
                        1,
                        "the planner"));
        out.put("Planning/Planning, planner not starting", plannerStuck);
        out.put("Running/Running", job(JobPhase.Running, JobReason.Running, null, 1000, 0, false));
        out.put("Running/Running, shards failed", job(JobPhase.Running, JobReason.Running, null, 1000, 2, false));
        // A spec edit the running workers cannot take (their Job's pod template): the SpecApplied condition names it.
        RewriteJobStatus notApplied = jobStatus(JobPhase.Running, JobReason.Running, null, 1000, 0, false, null, null);
        notApplied
                .getConditions()
                .add(SpecApplied.condition(
                        new ConditionAggregator(CLOCK),
                        null,
                        1L,
                        true,
                        SpecApplied.notApplied(List.of("spec.workers.image"), 3, 3, List.of())));
        out.put("Running/Running, spec not applied", JSON.valueToTree(notApplied));
        out.put("Running/ModelNotFound", job(JobPhase.Running, JobReason.ModelNotFound, null, 1000, 0, false));
        out.put(
                "Running/ModelFailed",
                job(
                        JobPhase.Running,
                        JobReason.ModelFailed,
                        "RewriterModel 'qwen' is refused by the operator's policy, no worker runs against it:"
                                + " spec.endpoint.apiKeySecretRef.name: Secret 'prod-key' is not allowed by the"
                                + " operator's policy (chart value policy.allowedSecrets: corpus-rw)",
                        1000,
                        0,
                        false));
        out.put("Running/Tallying", job(JobPhase.Running, JobReason.Tallying, null, 1000, 0, false));
        out.put(
                "Running/Queued",
                job(
                        JobPhase.Running,
                        JobReason.Queued,
                        "the worker Job wiki-wrap-work waits for Kueue to admit it from queue team-a: no worker runs"
                                + " until then (kubectl get workloads -n team-a)",
                        1000,
                        0,
                        false));
        out.put(
                "Running/InvalidSpec",
                job(
                        JobPhase.Running,
                        JobReason.InvalidSpec,
                        "spec.workers.image: image 'evil.example/miner:latest' is not allowed by the operator's policy"
                                + " (chart value policy.allowedImages: registry.example/palimpsest/*)",
                        1000,
                        0,
                        false));
        out.put(
                "Running/Forbidden",
                job(
                        JobPhase.Running,
                        JobReason.Forbidden,
                        "the operator's role lacks delete on pods in namespace data (the API server answered 403: "
                                + "pods \"wiki-wrap-work-3-x7k2p\" is forbidden)",
                        1000,
                        0,
                        false));
        out.put("Suspended/Suspended", job(JobPhase.Suspended, JobReason.Suspended, null, 100, 0, false));
        out.put(
                "Succeeded/AllShardsCommitted",
                job(JobPhase.Succeeded, JobReason.AllShardsCommitted, null, 1000, 0, false));
        out.put("Succeeded/ShardsFailed", job(JobPhase.Succeeded, JobReason.ShardsFailed, null, 1000, 2, false));
        out.put(
                "Succeeded/AllShardsCommitted, tally failed",
                job(JobPhase.Succeeded, JobReason.AllShardsCommitted, null, 1000, 0, true));
        out.put(
                "Failed/InvalidSpec",
                job(
                        JobPhase.Failed,
                        JobReason.InvalidSpec,
                        "spec.workers.parallelism: must be at least 1",
                        0,
                        0,
                        false));
        // ended while a worker ran: the output stays the job's until its workers have stopped (OutputWriters)
        RewriteJobStatus stopping = jobStatus(
                JobPhase.Failed,
                JobReason.InvalidSpec,
                "spec.modelRef: modelRef is immutable once set; create a new RewriteJob (this job's workers run on"
                        + " RewriterModel \"qwen\": set spec.modelRef.name back to \"qwen\" to go on)",
                40,
                0,
                false,
                null,
                "1 pod still runs");
        out.put("Failed/InvalidSpec, workers stopping", JSON.valueToTree(stopping));
        out.put(
                "Failed/PlanningFailed",
                job(
                        JobPhase.Failed,
                        JobReason.PlanningFailed,
                        "the planner found no input file under s3://corpus/in/",
                        0,
                        0,
                        false));
        out.put(
                "Failed/TooManyFailedShards",
                job(JobPhase.Failed, JobReason.TooManyFailedShards, null, 1000, 40, false));
        out.put(
                "Failed/ModelUnreachable",
                job(
                        JobPhase.Failed,
                        JobReason.ModelUnreachable,
                        "the model could not be reached past every attempt of 40 shards (40 of 1000 failed for good,"
                                + " 250 of 1000 committed): an outage is the same for every document, not bad data, so"
                                + " retry.maxFailedShards does not tolerate it",
                        1000,
                        40,
                        false));
        out.put(
                "Failed/StoreUnreachable",
                job(
                        JobPhase.Failed,
                        JobReason.StoreUnreachable,
                        "the object store could not be reached past every attempt of 40 shards (40 of 1000 failed for"
                                + " good, 250 of 1000 committed): an outage is the same for every document, not bad"
                                + " data, so retry.maxFailedShards does not tolerate it",
                        1000,
                        40,
                        false));
        out.put("Failed/WorkerJobFailed", job(JobPhase.Failed, JobReason.WorkerJobFailed, null, 1000, 0, false));
        out.put(
                "Failed/ModelConfig",
                job(
                        JobPhase.Failed,
                        JobReason.ModelConfig,
                        "the model refused every request the same way: HTTP 401",
                        1000,
                        0,
                        false));
        out.put(
                "Failed/StoreRefused",
                job(
                        JobPhase.Failed,
                        JobReason.StoreRefused,
                        "could not read s3://corpus/in/a.jsonl: the object store refused this job's credentials"
                                + " (AccessDenied, HTTP 403); every shard would meet the same answer, so the job stops",
                        1000,
                        0,
                        false));
        out.put(
                "Failed/OutputDrift",
                job(
                        JobPhase.Failed,
                        JobReason.OutputDrift,
                        "model drift: s3://out/wiki was made with model 'qwen', this job's model is 'qwen-2' (the"
                                + " model name sent in requests); write to a new output (a new RewriteJob with another"
                                + " spec.output.uri)",
                        1000,
                        0,
                        false));
        out.put(
                "Failed/RejectedByApiServer",
                job(
                        JobPhase.Failed,
                        JobReason.RejectedByApiServer,
                        "Job wiki-wrap-work: spec.template.spec.containers[0].resources: Invalid value",
                        0,
                        0,
                        false));
        out.put(
                "Failed/InvalidWorkerJob",
                job(
                        JobPhase.Failed,
                        JobReason.InvalidWorkerJob,
                        "the worker Job wiki-wrap-work would exceed the API server's limits on Indexed Jobs",
                        200000,
                        0,
                        false));
        out.put(
                "Failed/ResolvedJobTooLarge",
                job(
                        JobPhase.Failed,
                        JobReason.ResolvedJobTooLarge,
                        "the resolved job (job.yaml of ConfigMap wiki-wrap-job) is 1200000 bytes, over the 1048576-byte (1 MiB) limit",
                        0,
                        0,
                        false));
        return out;
    }

    private static JsonNode job(
            JobPhase phase, JobReason reason, String message, long shards, long failed, boolean tallyFailed) {
        return job(phase, reason, message, shards, failed, tallyFailed, null);
    }

    private static JsonNode job(
            JobPhase phase,
            JobReason reason,
            String message,
            long shards,
            long failed,
            boolean tallyFailed,
            StuckPods.Summary notStarting) {
        return JSON.valueToTree(jobStatus(phase, reason, message, shards, failed, tallyFailed, notStarting, null));
    }

    private static RewriteJobStatus jobStatus(
            JobPhase phase,
            JobReason reason,
            String message,
            long shards,
            long failed,
            boolean tallyFailed,
            StuckPods.Summary notStarting,
            String stillWriting) {
        RewriteJobStatus status = new RewriteJobStatus();
        status.setPhase(phase);
        status.setObservedGeneration(1L);
        if (shards > 0) {
            long committed = phase == JobPhase.Succeeded || reason == JobReason.Tallying ? shards - failed : shards / 4;
            status.setShards(new RewriteJobStatus.ShardCounts(
                    shards,
                    committed,
                    failed,
                    phase == JobPhase.Running && reason != JobReason.Tallying ? 10 : 0,
                    shards - committed - failed));
            status.setProgress(committed + "/" + shards);
            if (failed > 0) {
                status.setFailedShards(failed == 2 ? "17,42" : "0-" + (failed - 1));
            }
        }
        status.setConditions(JobConditions.build(
                new ConditionAggregator(CLOCK),
                status,
                1L,
                new Decision(phase, reason),
                message,
                tallyFailed,
                notStarting,
                stillWriting));
        return status;
    }

    private static Map<String, JsonNode> modelStatuses() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        Instant checked = CLOCK.instant();
        out.put(
                "Pending/EndpointNotCheckedYet",
                model(new ModelObservation(true, null, WeightsState.NotNeeded, 0, 0, 0, false, null)));
        out.put(
                "Ready/EndpointHealthy",
                model(new ModelObservation(
                        true,
                        new EndpointHealth(true, "GET /v1/models: 200", checked),
                        WeightsState.NotNeeded,
                        0,
                        0,
                        0,
                        false,
                        null)));
        out.put(
                "Degraded/EndpointUnhealthy",
                model(new ModelObservation(
                        true,
                        new EndpointHealth(false, "GET /v1/models: 503", checked),
                        WeightsState.NotNeeded,
                        0,
                        0,
                        0,
                        false,
                        null)));
        out.put(
                "Loading/DownloadingWeights",
                model(new ModelObservation(false, null, WeightsState.Downloading, 0, 0, 1, false, null)));
        out.put(
                "Failed/WeightDownloadFailed",
                model(new ModelObservation(false, null, WeightsState.Failed, 0, 0, 1, false, null)));
        out.put("Loading/Loading", model(new ModelObservation(false, null, WeightsState.Ready, 2, 0, 2, false, null)));
        out.put(
                "Ready/ReplicasReady",
                model(new ModelObservation(false, null, WeightsState.Ready, 2, 2, 2, false, null)));
        out.put("Ready/Scaling", model(new ModelObservation(false, null, WeightsState.Ready, 4, 2, 4, false, null)));
        out.put(
                "Ready/RollingOut",
                model(new ModelObservation(
                        false,
                        null,
                        WeightsState.Ready,
                        3,
                        3,
                        3,
                        false,
                        null,
                        null,
                        null,
                        null,
                        "rolling out a new pod template: 1 of 3 replicas run it")));
        out.put(
                "ScaledToZero/ScaledToZero",
                model(new ModelObservation(false, null, WeightsState.Ready, 0, 0, 0, false, null)));
        out.put(
                "Degraded/ProgressDeadlineExceeded",
                model(new ModelObservation(false, null, WeightsState.Ready, 2, 0, 2, true, null)));
        out.put(
                "Degraded/ScaledObjectFailed",
                model(new ModelObservation(
                        false,
                        null,
                        WeightsState.Ready,
                        1,
                        1,
                        1,
                        false,
                        "autoscaling.mode is keda, but the ScaledObject CRD is not installed")));
        // As RewriterModelReconciler.invalidSpec writes it.
        RewriterModelStatus invalid = new RewriterModelStatus();
        invalid.setPhase(ModelPhase.Failed);
        invalid.setObservedGeneration(1L);
        String message = "spec.replicas.max: must not be below spec.replicas.min";
        invalid.setConditions(new ConditionAggregator(CLOCK)
                .from(null, 1L)
                .ready(false, ModelReason.InvalidSpec, message)
                .progressing(false, ModelReason.InvalidSpec, message)
                .degraded(true, ModelReason.InvalidSpec, message)
                .build());
        out.put("Failed/InvalidSpec", JSON.valueToTree(invalid));
        return out;
    }

    /** The status as RewriterModelReconciler.decided writes it. */
    private static JsonNode model(ModelObservation o) {
        ModelStatusDecider.Decision d = ModelStatusDecider.decide(o);
        RewriterModelStatus status = new RewriterModelStatus();
        status.setPhase(d.phase());
        status.setObservedGeneration(1L);
        status.setReplicas(o.replicas());
        status.setReadyReplicas(o.readyReplicas());
        status.setDesiredReplicas(o.desiredReplicas());
        status.setConditions(new ConditionAggregator(CLOCK)
                .from(null, 1L)
                .ready(d.ready().status(), d.ready().reason(), d.ready().message())
                .progressing(
                        d.progressing().status(),
                        d.progressing().reason(),
                        d.progressing().message())
                .degraded(
                        d.degraded().status(),
                        d.degraded().reason(),
                        d.degraded().message())
                .build());
        return JSON.valueToTree(status);
    }

    private static Set<String> names(Enum<?>[] values) {
        Set<String> out = new TreeSet<>();
        Arrays.stream(values).forEach(v -> out.add(v.name()));
        return out;
    }

    private static String table(Map<String, JsonNode> statuses, String indent) {
        StringBuilder out = new StringBuilder("{\n");
        statuses.forEach((name, status) -> out.append(indent)
                .append("  [")
                .append(string(name))
                .append("] = ")
                .append(lua(status, indent + "  "))
                .append(",\n"));
        return out.append(indent).append("}").toString();
    }

    /** A JSON tree as a Lua literal: objects become tables with string keys, arrays sequences. */
    private static String lua(JsonNode node, String indent) {
        if (node.isObject()) {
            StringBuilder out = new StringBuilder("{");
            Iterator<Map.Entry<String, JsonNode>> fields = ((ObjectNode) node).fields();
            boolean first = true;
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                if (f.getValue().isNull()) {
                    continue;
                }
                out.append(first ? " " : ", ")
                        .append(
                                f.getKey().matches("[A-Za-z_][A-Za-z0-9_]*")
                                        ? f.getKey()
                                        : "[" + string(f.getKey()) + "]")
                        .append(" = ")
                        .append(lua(f.getValue(), indent + "  "));
                first = false;
            }
            return out.append(first ? "}" : " }").toString();
        }
        if (node.isArray()) {
            if (node.isEmpty()) {
                return "{}";
            }
            StringBuilder out = new StringBuilder("{\n");
            node.forEach(n -> out.append(indent)
                    .append("  ")
                    .append(lua(n, indent + "  "))
                    .append(",\n"));
            return out.append(indent).append("}").toString();
        }
        if (node.isTextual()) {
            return string(node.asText());
        }
        return node.toString();
    }

    private static String string(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
