package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobSpec;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.engine.CapacityModel;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The preview's GPU-hours against what the campaign then pays on the simulated cluster: an example
 * suspended with {@code spec.preview} (a sample of 8, or 200 of the generated corpus), its estimate
 * read from status.estimate, the model left to go back to zero, then the job un-suspended; paid is
 * every model pod created after that, from its creation to its exit (loading, serving, idling), as
 * {@link CampaignEfficiencyScenarioTest} counts it. Replicas decode a step in 50 ms whatever the
 * batch (5,120 completion tokens/s with 256 in flight) and load in 5 s; the autoscaler's period is
 * 1 s, its scale-down window 20 s (a shorter one lets a dip in the queue drop a replica that the next
 * sample adds back, another load) and idle-to-zero 4 s, so each case takes a minute or two. Prints the
 * figures; asserts only that they exist (the 25% target is a measured figure, in BENCHMARKS.md).
 */
@Tag("slow")
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class PreviewCostScenarioTest {

    static final Duration LOAD = Duration.ofSeconds(5);

    @Inject
    KubernetesClient operatorClient;

    @ParameterizedTest
    @ValueSource(strings = {"quickstart", "nemotron-cc", "wrap", "generated-2000"})
    void estimatedGpuHoursAgainstPaidReplicaSeconds(String example) throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs worker-image/target/palimpsest.jar");
        boolean generated = example.startsWith("generated");
        Path dir = Path.of("../examples", generated ? "quickstart" : example);
        Path rules = dir.resolve("sim-rules.yaml");
        Supplier<SimConfig.Builder> replica = () -> {
            SimConfig.Builder b = SimConfig.builder()
                    .startupDelay(LOAD)
                    .prefillSecondsPerToken(0)
                    .decodeStepBaseSeconds(0.05)
                    .decodeStepPerSeqSeconds(0);
            return Files.isRegularFile(rules) ? b.rulesFile(rules.toAbsolutePath()) : b;
        };
        // The generated corpus runs its worker pods in this JVM: 20 worker JVMs of their own would share these two
        // cores, where a cluster gives each pod its own CPU (the examples' few pods run as the image runs them).
        PalimpsestWorkerProgram.Mode workers =
                generated ? PalimpsestWorkerProgram.Mode.IN_PROCESS : PalimpsestWorkerProgram.Mode.SUBPROCESS;
        try (Scenario s = new Scenario(Scenario.clientLike(operatorClient), workers, replica)) {
            Path input = s.claim("corpus").resolve(example);
            if (generated) {
                SyntheticCorpus.write(input, 8, 250, 11);
            } else {
                QuickstartScenarioTest.copyDir(dir.resolve("data"), input);
            }
            RewriterModel model = s.load(RewriterModel.class, dir.resolve("model.yaml"));
            model.getSpec().getAutoscaling().setPeriodSeconds(1);
            model.getSpec().getAutoscaling().setScaleDownStabilizationSeconds(20);
            model.getSpec().getAutoscaling().setIdleToZeroSeconds(4);
            RewriteJob job = s.load(RewriteJob.class, dir.resolve("job.yaml"));
            String name = job.getMetadata().getName();
            job.getSpec().getInput().setUri("pvc://corpus/" + example + "/");
            job.getSpec().getOutput().setUri("pvc://corpus/" + example + "-out/");
            job.getSpec().getOutput().setCompression(RewriteJobSpec.Compression.none);
            job.getSpec().setSuspend(true);
            RewriteJobSpec.Preview preview = new RewriteJobSpec.Preview();
            preview.setSample(generated ? 200 : 8);
            preview.setSeed(7L);
            job.getSpec().setPreview(preview);
            s.client.resource(model).create();
            s.client.resource(job).create();

            RewriteJob previewed = await().atMost(Duration.ofSeconds(300))
                    .pollInterval(Duration.ofMillis(300))
                    .until(
                            () -> s.job(name),
                            j -> j != null
                                    && j.getStatus() != null
                                    && j.getStatus().getEstimate() != null);
            RewriteJobStatus.Estimate estimate = previewed.getStatus().getEstimate();
            assertNotNull(estimate.getGpuHours(), "GPU-hours estimated");
            // the campaign starts from zero replicas, as a campaign previewed the day before would
            await().atMost(Duration.ofSeconds(120))
                    .until(() -> s.models.servers().isEmpty());
            Instant unsuspended = Instant.now();
            int maxNumSeqs = model.getSpec().getEngine().getMaxNumSeqs();
            RewriteJob done;
            Instant finished;
            double[] paid;
            try (BatchUse batches = BatchUse.follow(s.models, Duration.ofMillis(250))) {
                s.client
                        .resources(RewriteJob.class)
                        .inNamespace(Scenario.NS)
                        .withName(name)
                        .edit(j -> {
                            j.getSpec().setSuspend(false);
                            return j;
                        });
                done = s.awaitPhase(name, JobPhase.Succeeded, Duration.ofSeconds(600));
                finished = Instant.now();
                await().atMost(Duration.ofSeconds(120))
                        .until(() -> s.models.servers().isEmpty());
                // every model pod's exit is in the log before replica-seconds are added up
                paid = await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500))
                        .ignoreExceptions()
                        .until(() -> paidSince(s.cluster.events(), unsuspended, finished), p -> true);
                System.out.printf(
                        "[figures] preview cost %s timeline (s after un-suspend): %s%n",
                        example, timeline(s.cluster.events(), unsuspended, finished, batches, maxNumSeqs, name));
            }
            JsonNode parts = new ObjectMapper()
                    .readTree(s.claim("corpus")
                            .resolve(example + "-out/_palimpsest/preview/preview.json")
                            .toFile())
                    .path("estimate")
                    .path("paid");
            double paidHours = (paid[0] + paid[1] + paid[2]) / 3600;
            double gpus = model.getSpec().getResources() != null
                            && model.getSpec().getResources().getGpus() != null
                    ? model.getSpec().getResources().getGpus()
                    : 1;
            double error = (estimate.getGpuHours().getEstimate() - paidHours * gpus) / (paidHours * gpus);
            long completion = done.getStatus().getTokens().getCompletion();
            double capacity = CapacityModel.capacityTokensPerSecond(replica.get()
                    .maxNumSeqs(model.getSpec().getEngine().getMaxNumSeqs())
                    .build());
            System.out.printf(
                    "[figures] preview cost %s: GPU-hours estimate %.5f [%.5f-%.5f] vs paid %.5f (%+.1f%%%s); paid replica-s:"
                            + " loading %.1f + serving until done %.1f + after %.1f over %d pod(s); completion tokens estimate %.0f"
                            + " [%.0f-%.0f], committed %d; capacity %s %.0f tokens/s (stated %.0f); un-suspend to done %.1f s%n",
                    example,
                    estimate.getGpuHours().getEstimate(),
                    estimate.getGpuHours().getLow(),
                    estimate.getGpuHours().getHigh(),
                    paidHours * gpus,
                    error * 100,
                    paidHours * gpus >= estimate.getGpuHours().getLow()
                                    && paidHours * gpus
                                            <= estimate.getGpuHours().getHigh()
                            ? ", inside"
                            : ", outside",
                    paid[0],
                    paid[1],
                    paid[2],
                    (int) paid[3],
                    estimate.getCompletionTokens().getEstimate(),
                    estimate.getCompletionTokens().getLow(),
                    estimate.getCompletionTokens().getHigh(),
                    completion,
                    estimate.getCapacitySource(),
                    estimate.getTokensPerSecondPerReplica(),
                    capacity,
                    Scenario.seconds(unsuspended, finished));
            System.out.printf(
                    "[figures] preview cost %s parts (replica-s): estimate serving %.1f (batch %.0f%% full, %d replica(s), %d workers)"
                            + " + run beyond decoding %.1f + loading %.1f + workers starting %.1f + idle after %.1f; paid loading %.1f,"
                            + " ready %.1f (serving and waiting for workers), after %.1f; %s%n",
                    example,
                    parts.path("serving").path("estimate").asDouble() * 3600,
                    parts.path("batchFill").asDouble() * 100,
                    parts.path("replicas").asInt(),
                    parts.path("workers").asInt(),
                    parts.path("beyondDecoding").asDouble() * 3600,
                    parts.path("loading").asDouble() * 3600,
                    parts.path("workersStarting").asDouble() * 3600,
                    parts.path("idleAfter").asDouble() * 3600,
                    paid[0],
                    paid[1],
                    paid[2],
                    parts.path("notes").toString());
            assertTrue(paid[3] > 0, "the campaign started model pods");
            assertEquals(JobPhase.Succeeded, done.getStatus().getPhase());
        }
    }

    /**
     * Where a campaign's replica-seconds went, from the event log and the replicas' own batch
     * readings: each model pod's creation, ready, first request, first full batch, exit and mean
     * running sequences while ready until {@code finished}; each worker pod's creation, start and exit.
     */
    static String timeline(EventLog events, Instant since, Instant finished, BatchUse batches, int full, String job) {
        StringBuilder out = new StringBuilder();
        for (ModelPodLives life : ModelPodLives.since(events, since)) {
            Instant first = batches.firstAtLeast(life.pod(), 1);
            Instant filled = batches.firstAtLeast(life.pod(), full);
            Instant cut = life.cut(finished);
            double ready = Scenario.seconds(life.ready(), cut);
            BatchUse.Use use = batches.use(life.pod(), life.ready(), cut, full);
            out.append(String.format(
                    Locale.ROOT,
                    "model %s created %.1f ready %.1f first request %s full %s exit %.1f,"
                            + " running mean %.0f over %.1f s ready until done (full %.1f s); ",
                    life.pod().substring(life.pod().lastIndexOf('-') + 1),
                    Scenario.seconds(since, life.created()),
                    Scenario.seconds(since, life.ready()),
                    first == null ? "-" : String.format(Locale.ROOT, "%.1f", Scenario.seconds(since, first)),
                    filled == null ? "-" : String.format(Locale.ROOT, "%.1f", Scenario.seconds(since, filled)),
                    Scenario.seconds(since, life.exited()),
                    ready > 0 ? use.sequenceSeconds() / ready : 0,
                    ready,
                    use.fullSeconds()));
        }
        Map<String, String> workers = new LinkedHashMap<>();
        String prefix = Scenario.NS + "/" + job + "-work";
        for (EventLog.Entry e : events.entries()) {
            if (e.at().isBefore(since)) {
                continue;
            }
            String at = String.format(Locale.ROOT, "%.1f", Scenario.seconds(since, e.at()));
            if (e.source().equals("job-controller")
                    && e.message().startsWith("SuccessfulCreate pod " + job + "-work")) {
                String pod = Scenario.NS + "/"
                        + e.message()
                                .substring("SuccessfulCreate pod ".length())
                                .split(" ")[0];
                workers.put(pod, "c" + at);
            } else if (e.source().equals("kubelet")
                    && e.object().startsWith(prefix)
                    && workers.containsKey(e.object())
                    && (e.message().startsWith("started") || e.message().startsWith("exited"))) {
                workers.merge(e.object(), (e.message().startsWith("started") ? " s" : " x") + at, String::concat);
            } else if (e.source().equals("deployment-controller") && e.message().startsWith("replicas ")) {
                out.append("deployment ")
                        .append(e.message())
                        .append(" at ")
                        .append(at)
                        .append("; ");
            }
        }
        out.append("workers ").append(workers.values()).append("; ").append(batches.coverage(full));
        return out.toString();
    }

    /**
     * Replica-seconds of the model pods created at or after {@code since}, from creation to exit:
     * loading (to ready), ready until {@code finished}, after it; and how many pods.
     */
    static double[] paidSince(EventLog events, Instant since, Instant finished) {
        double[] split = new double[4];
        for (ModelPodLives life : ModelPodLives.since(events, since)) {
            Instant cut = life.cut(finished);
            split[0] += life.loading();
            split[1] += Scenario.seconds(life.ready(), cut);
            split[2] += Scenario.seconds(cut, life.exited());
            split[3]++;
        }
        return split;
    }
}
