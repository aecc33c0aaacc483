package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.job.PreviewJob;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.operator.status.ConditionAggregator;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The quickstart example, suspended with {@code spec.preview}, on the simulated cluster: the
 * operator plans, runs one preview Job against the model's Service, writes the report under
 * {@code <output>/_palimpsest/preview/} and the estimate to status.estimate; un-suspending then
 * runs the campaign on the same plan (one planner Job throughout), and since the sample covers the
 * whole corpus, the completion tokens the shards committed fall inside the estimate's range.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class PreviewScenarioTest {

    @Inject
    KubernetesClient operatorClient;

    @Test
    void suspendedJobIsPreviewedThenRunsOnTheSamePlan() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs worker-image/target/palimpsest.jar");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient),
                PalimpsestWorkerProgram.Mode.SUBPROCESS,
                () -> SimConfig.builder().zeroLatency().startupDelay(Duration.ofSeconds(1)))) {
            Path examples = Path.of("../examples/quickstart");
            Path input = s.claim("corpus").resolve("in");
            QuickstartScenarioTest.copyDir(examples.resolve("data"), input);
            RewriterModel model = s.load(RewriterModel.class, examples.resolve("model.yaml"));
            model.getSpec().getAutoscaling().setPeriodSeconds(1);
            model.getSpec().getAutoscaling().setIdleToZeroSeconds(5);
            RewriteJob job = s.load(RewriteJob.class, examples.resolve("job.yaml"));
            job.getSpec().getInput().setUri("pvc://corpus/in/");
            job.getSpec().getOutput().setUri("pvc://corpus/out/");
            job.getSpec().getOutput().setCompression(RewriteJobSpec.Compression.none);
            job.getSpec().setSuspend(true);
            RewriteJobSpec.Preview preview = new RewriteJobSpec.Preview();
            preview.setSample(50); // more than the corpus holds: every document is previewed
            preview.setSeed(3L);
            job.getSpec().setPreview(preview);

            s.client.resource(model).create();
            s.client.resource(job).create();
            RewriteJob previewed;
            try {
                previewed = await().atMost(Duration.ofSeconds(180))
                        .pollInterval(Duration.ofMillis(300))
                        .until(
                                () -> s.job("quickstart"),
                                j -> j != null
                                        && j.getStatus() != null
                                        && j.getStatus().getEstimate() != null);
            } catch (RuntimeException e) {
                System.out.println("---- events\n" + s.cluster.events().dump(Duration.ofSeconds(180)));
                RewriteJob j = s.job("quickstart");
                System.out.println("---- status "
                        + (j == null
                                ? null
                                : s.client.getKubernetesSerialization().asYaml(j.getStatus())));
                throw e;
            }
            assertEquals(JobPhase.Suspended, previewed.getStatus().getPhase());
            RewriteJobStatus.Estimate estimate = previewed.getStatus().getEstimate();
            var condition = ConditionAggregator.find(previewed.getStatus().getConditions(), PreviewJob.PREVIEWED);
            assertEquals("True", condition.getStatus(), condition.getMessage());
            assertEquals(PreviewJob.DONE, condition.getReason());
            assertEquals("pvc://corpus/out/_palimpsest/preview/report.html", estimate.getReport());

            // The report, where the status says, over every document of the corpus.
            Path report = s.claim("corpus").resolve("out/_palimpsest/preview");
            assertTrue(Files.size(report.resolve("report.html")) > 0, "report.html written under the output");
            JsonNode data =
                    new ObjectMapper().readTree(report.resolve("preview.json").toFile());
            assertEquals(13, data.get("documents").size(), "the quickstart corpus, sampled whole");
            assertEquals(13L, estimate.getDocuments());
            assertEquals(13, estimate.getSampled());
            assertNotNull(estimate.getGpuHours(), "a model was called: GPU-hours estimated");
            assertNotNull(estimate.getCapacitySource());
            assertNotNull(estimate.getWallHours(), "the model's replicas.max reached the preview pod");
            assertTrue(
                    estimate.getWallHours().getEstimate() > 0
                            && estimate.getWallHours().getEstimate()
                                    <= estimate.getGpuHours().getEstimate(),
                    "one GPU per replica: the replicas pay at least the wall time (load and serving), and the wait after it: "
                            + estimate);
            assertEquals(
                    List.of(),
                    roleJobs(s, RewriteJobNames.ROLE_WORK).stream()
                            .filter(w -> !Boolean.TRUE.equals(w.getSpec().getSuspend()))
                            .toList(),
                    "no worker runs while suspended");
            assertEquals(1, roleJobs(s, RewriteJobNames.ROLE_PREVIEW).size());
            List<Job> planners = roleJobs(s, RewriteJobNames.ROLE_PLAN);
            assertEquals(1, planners.size());
            String plannerUid = planners.get(0).getMetadata().getUid();
            long shards = previewed.getStatus().getShards().getTotal();

            // Un-suspend: the campaign runs on the plan already made.
            s.client
                    .resources(RewriteJob.class)
                    .inNamespace(Scenario.NS)
                    .withName("quickstart")
                    .edit(j -> {
                        j.getSpec().setSuspend(false);
                        return j;
                    });
            RewriteJob done = s.awaitPhase("quickstart", JobPhase.Succeeded, Duration.ofSeconds(180));
            planners = roleJobs(s, RewriteJobNames.ROLE_PLAN);
            assertEquals(1, planners.size(), "planned once");
            assertEquals(plannerUid, planners.get(0).getMetadata().getUid(), "the same planner Job, not a second plan");
            assertEquals(shards, done.getStatus().getShards().getTotal());
            assertEquals(1, roleJobs(s, RewriteJobNames.ROLE_PREVIEW).size(), "previewed once");
            assertEquals(estimate, done.getStatus().getEstimate(), "the estimate is kept");

            long completion = done.getStatus().getTokens().getCompletion();
            RewriteJobStatus.Range range = estimate.getCompletionTokens();
            assertTrue(
                    completion >= Math.floor(range.getLow()) && completion <= Math.ceil(range.getHigh()),
                    "committed completion tokens " + completion + " inside the estimate " + range);
            System.out.printf(
                    "[figures] preview on the cluster: %d documents, estimate completion tokens %.0f (%.0f-%.0f), committed %d;"
                            + " GPU-hours %.3g (%.3g-%.3g), wall hours %.3g, capacity %s%n",
                    estimate.getDocuments(),
                    range.getEstimate(),
                    range.getLow(),
                    range.getHigh(),
                    completion,
                    estimate.getGpuHours().getEstimate(),
                    estimate.getGpuHours().getLow(),
                    estimate.getGpuHours().getHigh(),
                    estimate.getWallHours().getEstimate(),
                    estimate.getCapacitySource());
        }
    }

    @Test
    void aRefusedPreviewIsReportedOnceAndTheJobStaysSuspended() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs worker-image/target/palimpsest.jar");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient),
                PalimpsestWorkerProgram.Mode.SUBPROCESS,
                () -> SimConfig.builder().zeroLatency().startupDelay(Duration.ofMillis(500)))) {
            SyntheticCorpus.write(s.claim("corpus").resolve("refused-in"), 2, 5, 3);
            // a --api-key of the spec's own replaces the key the operator makes: the preview's requests are refused
            RewriterModel model = s.modelLike("keyed-model", 1, 5);
            model.getSpec().getEngine().setExtraArgs(List.of("--api-key", "a-key-the-job-does-not-have"));
            s.client.resource(model).create();
            RewriteJob job =
                    s.smallJob("refused", "keyed-model", "pvc://corpus/refused-in/", "pvc://corpus/refused-out/");
            job.getSpec().setSuspend(true);
            job.getSpec().setPreview(new RewriteJobSpec.Preview());
            s.client.resource(job).create();

            RewriteJob failed = await().atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(300))
                    .until(
                            () -> s.job("refused"),
                            j -> j != null && j.getStatus() != null && PreviewJob.FAILED.equals(reason(j)));
            var condition = ConditionAggregator.find(failed.getStatus().getConditions(), PreviewJob.PREVIEWED);
            assertEquals("False", condition.getStatus());
            assertTrue(condition.getMessage().contains("refused-preview failed"), condition.getMessage());
            assertTrue(
                    condition.getMessage().contains("HTTP 401"),
                    "the model's answer, from the pod: " + condition.getMessage());
            assertEquals(JobPhase.Suspended, failed.getStatus().getPhase());
            assertEquals(null, failed.getStatus().getEstimate());

            // not a loop: no second preview Job, the condition stays
            Thread.sleep(3000);
            assertEquals(1, roleJobs(s, RewriteJobNames.ROLE_PREVIEW).size());
            assertEquals(PreviewJob.FAILED, reason(s.job("refused")));
            System.out.printf("[figures] refused preview: %s%n", condition.getMessage());
        }
    }

    private static String reason(RewriteJob job) {
        var c = job.getStatus() == null
                ? null
                : ConditionAggregator.find(job.getStatus().getConditions(), PreviewJob.PREVIEWED);
        return c == null ? null : c.getReason();
    }

    private static List<Job> roleJobs(Scenario s, String role) {
        return s.client
                .batch()
                .v1()
                .jobs()
                .inNamespace(Scenario.NS)
                .withLabel(RewriteJobNames.ROLE_LABEL, role)
                .list()
                .getItems();
    }
}
