package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.api.worker.RequestDeadline;
import io.palimpsest.sim.SimConfig;
import io.palimpsest.sim.engine.CapacityModel;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.IntUnaryOperator;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * P6, campaign GPU efficiency: a 500-shard job of uneven shards on a model that starts from zero
 * replicas and takes a minute to load. What the GPUs were worth is the replica-seconds the work
 * needed at full batch (completion tokens / one replica's capacity); what they cost is every model
 * pod's life from creation to exit, loading and idling included. Their ratio is what the autoscaler
 * and the worker parallelism together achieve: replicas loading while no work can reach them yet,
 * batches left part-empty by too few workers or by stragglers at the tail, and replicas idling
 * after the last shard all lower it.
 * <p>
 * Time is scaled by 1/{@link #SCALE} throughout (model load 60 s -> 12 s, autoscaler period
 * 15 s -> 3 s, scale-down window and idle-to-zero 60 s -> 12 s) so the campaign takes minutes;
 * the ratio does not depend on the scale as long as every duration shrinks together. The work keeps
 * four replicas busy for about six minutes (half an hour at full scale): a short campaign, in which
 * the one-time costs (a load per replica, the idle wait after the last shard) weigh more than in
 * the hours-long campaigns this is for. Workers run in-process, so a pod start costs what the operator and the Job controller cost, not a JVM start.
 * <p>
 * {@code -Dp6.scale=1} runs the same corpus unscaled: model load 60 s, period 15 s, windows 60 s, and
 * each decode step five times as long (171 tokens/s per replica, the request deadline five times
 * as long with it), so the same work keeps four replicas busy for half an hour. The simulated
 * cluster's own durations (termination grace periods, pod backoff) are scaled alike.
 * <p>
 * Paid replica-seconds are split four ways, which must add up to what was paid: loading (pod
 * created to ready), ready with the batch full (at least {@value #FULL_BATCH} of maxNumSeqs running,
 * read from each replica's /metrics every {@value #BATCH_SAMPLE_MILLIS} ms), ready with the batch
 * part-empty, and after the job (job done to pod exit).
 */
@Tag("slow")
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class CampaignEfficiencyScenarioTest {

    /** Time divided by this: 5 by default, 1 for the unscaled run ({@code -Dp6.scale=1}); must divide 15. */
    static final int SCALE = Integer.getInteger("p6.scale", 5);
    /** Share of maxNumSeqs running at which a replica's batch counts as full. */
    static final double FULL_BATCH = 0.9;

    static final int BATCH_SAMPLE_MILLIS = 250;
    static final int SHARDS = 500;
    static final int MAX_REPLICAS = 4;
    static final int MAX_NUM_SEQS = 128;

    @Inject
    KubernetesClient operatorClient;

    @Test
    void campaignFromZeroPaysForLittleMoreThanItsWork() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        assertTrue(SCALE >= 1 && 15 % SCALE == 0, "p6.scale must divide 15: " + SCALE);
        // One replica: 128 sequences advancing a token every 150 ms, 853 tokens/s with a full batch
        // (unscaled: every 750 ms, so that the same corpus takes five times as long).
        double slowdown = 5.0 / SCALE;
        Supplier<SimConfig.Builder> replica = () -> SimConfig.builder()
                .startupDelay(Duration.ofSeconds(60 / SCALE))
                .prefillSecondsPerToken(0)
                .decodeStepBaseSeconds(0.15 * slowdown)
                .decodeStepPerSeqSeconds(0);
        double capacity = CapacityModel.capacityTokensPerSecond(
                replica.get().maxNumSeqs(MAX_NUM_SEQS).build());
        // The cluster's own durations (termination grace, pod backoff) at the model's scale too: at the
        // scenarios' usual 1/20, a removed replica got SIGKILL 15 s into its drain (vLLM pods' 300 s
        // grace), which unscaled cut generations of 40-80 s and sent them again from their first token.
        try (Scenario s = new Scenario(
                        Scenario.clientLike(operatorClient),
                        PalimpsestWorkerProgram.Mode.IN_PROCESS,
                        replica,
                        cluster -> cluster.timeScale(1.0 / SCALE));
                BatchUse batches = BatchUse.follow(s.models, Duration.ofMillis(BATCH_SAMPLE_MILLIS))) {
            Path input = s.claim("corpus").resolve("p6-in");
            List<String> ids = SyntheticCorpus.write(input, SHARDS, unevenSizes(7), 6);
            s.client.resource(model(s)).create();
            RewriteJob job = s.smallJob("p6", "p6-model", "pvc://corpus/p6-in/", "pvc://corpus/p6-out/");
            // Shards here hold tens of documents where a real one holds hundreds of thousands; a worker's
            // concurrency is sized to match, so that, as in a real campaign, a worker keeps its requests in
            // flight for most of its shard's life and not only for one wave.
            job.getSpec().getWorkers().setConcurrencyPerWorker(new IntOrString(8));
            if (SCALE != 5) {
                // the deadline assumes a decode speed; the slowed replicas are that much slower
                job.getSpec().getWorkers().setRequestTimeoutSeconds((int)
                        Math.ceil(RequestDeadline.seconds(job.getSpec()) * slowdown));
            }
            Instant applied = Instant.now();
            s.client.resource(job).create();

            String[] progress = {null};
            ReplicaTrace trace = ReplicaTrace.follow(
                    s, "p6-model", "p6", applied, Duration.ofMinutes(15L * 5 / SCALE), Duration.ofMillis(500), poll -> {
                        RewriteJob j = poll.job();
                        if (j != null
                                && j.getStatus() != null
                                && j.getStatus().getProgress() != null
                                && !j.getStatus().getProgress().equals(progress[0])) {
                            progress[0] = j.getStatus().getProgress();
                            var q = poll.model() == null || poll.model().getStatus() == null
                                    ? null
                                    : poll.model().getStatus().getQueue();
                            var w = s.client
                                    .batch()
                                    .v1()
                                    .jobs()
                                    .inNamespace(Scenario.NS)
                                    .withName("p6-work")
                                    .get();
                            System.out.printf(
                                    "P6 %.0fs progress %s, %d/%d replicas, queue %s/%s, pods %s/%s%n",
                                    poll.seconds(),
                                    progress[0],
                                    poll.ready(),
                                    poll.wanted(),
                                    q == null ? null : q.getRunning(),
                                    q == null ? null : q.getWaiting(),
                                    w == null || w.getStatus() == null
                                            ? null
                                            : w.getStatus().getActive(),
                                    w == null ? null : w.getSpec().getParallelism());
                        }
                    });
            Instant finished = trace.finished;
            // every model pod's exit is in the log before replica-seconds are added up
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> s.models.servers().isEmpty());
            System.out.println("P6 trace (ready/wanted replicas): " + trace);
            s.client.v1().events().inNamespace(Scenario.NS).list().getItems().stream()
                    .filter(e -> "p6-model".equals(e.getInvolvedObject().getName()) && "Scaled".equals(e.getReason()))
                    .forEach(e -> System.out.println("P6 model event: " + e.getMessage()));
            if (finished == null) {
                System.out.println("P6 job status: "
                        + s.client
                                .getKubernetesSerialization()
                                .asYaml(s.job("p6").getStatus()));
            }
            assertTrue(finished != null, "the campaign finished: " + trace);
            assertEquals(0, trace.lastWanted, "the model went back to zero: " + trace);

            RewriteJob done = s.job("p6");
            long completionTokens = done.getStatus().getTokens().getCompletion();
            // the plan may cut the largest files into item ranges: one receipt per planned shard
            long planned = done.getStatus().getShards().getTotal();
            ReceiptTotals.of(input.resolveSibling("p6-out")).assertStatusOf(done.getStatus(), planned, ids.size());
            OutputIds out = OutputIds.of(input.resolveSibling("p6-out"), ids);
            System.out.printf(
                    "[figures] P6 documents: %,d in the input, %d lost, %d duplicated; %d files, %d shards planned%n",
                    ids.size(), out.lost().size(), out.duplicated().size(), SHARDS, planned);
            assertEquals(List.of(), out.lost(), "lost documents");
            assertEquals(List.of(), out.duplicated(), "duplicated documents");
            int full = (int) Math.ceil(FULL_BATCH * MAX_NUM_SEQS);
            Instant endFrom = batches.lastWaiting();
            ReplicaSeconds split =
                    ReplicaSeconds.of(s.cluster.events(), finished, batches, full, endFrom, MAX_NUM_SEQS);
            double paid = split.paid();
            assertEquals(
                    paid,
                    split.loading() + split.full() + split.partEmpty() + split.after(),
                    0.01,
                    "loading + full + part-empty + after = paid: " + split);
            double ideal = completionTokens / capacity;
            double efficiency = ideal / paid;
            double makespan = Scenario.seconds(applied, finished);
            double served = split.full() + split.partEmpty();
            double target = SCALE == 1 ? 0.95 : 0.92; // issue 19: at today's scale, and unscaled
            System.out.printf(
                    "[figures] P6 campaign GPU efficiency: %.3f (target %.2f) = ideal %.0f replica-s (%,d completion tokens "
                            + "/ %.0f tokens/s per replica) / paid %.0f replica-s over %d model pods (lives %s); paid = loading %.0f "
                            + "+ ready and full (>= %d running) %.0f + ready and part-empty %.0f + after the job %.0f; while ready "
                            + "%.3f of the batch used (sampled), %.3f by tokens (ideal / ready); %d shards, %,d documents (%d written, "
                            + "0 lost, 0 duplicated), peak %d replicas; job done %.0f s after apply (scale 1/%d: model load %d s, "
                            + "period %d s, scale-down window and idle-to-zero %d s)%n",
                    efficiency,
                    target,
                    ideal,
                    completionTokens,
                    capacity,
                    paid,
                    split.lives().size(),
                    split.lives().values().stream()
                            .map(v -> String.format("%.0f", v))
                            .toList(),
                    split.loading(),
                    full,
                    split.full(),
                    split.partEmpty(),
                    split.after(),
                    split.sequenceSeconds() / MAX_NUM_SEQS / served,
                    ideal / served,
                    SHARDS,
                    ids.size(),
                    done.getStatus().getDocuments().getWritten(),
                    trace.peak,
                    makespan,
                    SCALE,
                    60 / SCALE,
                    15 / SCALE,
                    60 / SCALE);
            // What no placement or order of requests of unknown length removes: each replica's load, the
            // window after the job, and the end, where no request waits and the batches empty as the last
            // generations finish. Efficiency over this bound is what the rest (start-up, body) leaves.
            double bound = ideal / (ideal + split.loading() + split.after() + split.endEmpty());
            System.out.printf(
                    "[figures] P6 bound: the end (no request waiting from %.0f s after apply to the job's end at %.0f s) "
                            + "left %.0f replica-s of batch empty; ideal / (ideal + loading + after the job + the end) = %.3f;"
                            + " efficiency / bound = %.3f%n",
                    Scenario.seconds(applied, endFrom), makespan, split.endEmpty(), bound, efficiency / bound);
            System.out.println("[figures] P6 per replica: " + batches.coverage(full));
            System.out.println(
                    "[figures] P6 timeline (s after apply, fleet running | per replica mean running+waiting over 10 s):"
                            + batches.timeline(applied, Duration.ofSeconds(10)));
            System.out.println("[figures] P6 cold start (s after apply): "
                    + coldStart(s.cluster.events(), applied, batches, full));
            assertTrue(efficiency >= 0.80, "P6 efficiency " + efficiency + " (target " + target + ")");
        }
    }

    /**
     * When the plan was done, and for each replica when it was created and turned ready, then how
     * long after ready its first request and its first full batch came: whether requests flow to a
     * replica as it turns ready, and whether its loading overlapped the planning.
     */
    static String coldStart(EventLog events, Instant applied, BatchUse batches, int full) {
        StringBuilder out = new StringBuilder();
        Map<String, Instant> created = new LinkedHashMap<>();
        Map<String, Instant> ready = new HashMap<>();
        Instant firstWorker = null;
        int workers = 0;
        List<String> steps = new ArrayList<>();
        for (EventLog.Entry e : events.entries()) {
            if (e.source().equals("job-controller")
                    && e.message().startsWith("SuccessfulCreate pod p6-work")
                    && ++workers % 20 == 0) {
                steps.add(String.format("%d worker pods %.1f", workers, Scenario.seconds(applied, e.at())));
            } else if (e.source().equals("deployment-controller") && e.message().startsWith("replicas ")) {
                steps.add(String.format(
                        "deployment %s %.1f",
                        e.message().substring(e.message().indexOf("ready")).replace(" desired", "/"),
                        Scenario.seconds(applied, e.at())));
            }
            if (e.object().startsWith(Scenario.NS + "/p6-plan")
                    && e.source().equals("kubelet")
                    && e.message().startsWith("exited 0")) {
                out.append(String.format("plan done %.1f; ", Scenario.seconds(applied, e.at())));
            } else if (firstWorker == null
                    && e.source().equals("job-controller")
                    && e.message().startsWith("SuccessfulCreate pod p6-work")) {
                firstWorker = e.at();
                out.append(String.format("first worker pod %.1f; ", Scenario.seconds(applied, e.at())));
            } else if (e.source().equals("deployment-controller") && e.message().startsWith("created pod ")) {
                created.putIfAbsent(Scenario.NS + "/" + e.message().substring("created pod ".length()), e.at());
            } else if (e.source().equals("kubelet")
                    && created.containsKey(e.object())
                    && e.message().equals("ready")) {
                ready.putIfAbsent(e.object(), e.at());
            }
        }
        for (Map.Entry<String, Instant> c : created.entrySet()) {
            Instant up = ready.get(c.getKey());
            Instant first = batches.firstAtLeast(c.getKey(), 1);
            Instant filled = batches.firstAtLeast(c.getKey(), full);
            out.append(String.format(
                    "%s created %.1f ready %s first request %s full batch %s; ",
                    c.getKey().substring(c.getKey().lastIndexOf('-') + 1),
                    Scenario.seconds(applied, c.getValue()),
                    up == null ? "-" : String.format("%.1f", Scenario.seconds(applied, up)),
                    first == null || up == null ? "-" : String.format("+%.1f", Scenario.seconds(up, first)),
                    filled == null || up == null ? "-" : String.format("+%.1f", Scenario.seconds(up, filled))));
        }
        return out.append(steps.stream().limit(24).toList()).toString();
    }

    /**
     * Document counts per shard from a heavy-tailed (log-normal) draw between 5 and 300, median
     * about 30: most shards are small, a few are ten times the median, as files of a crawl are.
     */
    static IntUnaryOperator unevenSizes(long seed) {
        int[] sizes = new int[SHARDS];
        Random random = new Random(seed);
        for (int i = 0; i < SHARDS; i++) {
            sizes[i] = (int) Math.max(5, Math.min(300, Math.round(30 * Math.exp(0.8 * random.nextGaussian()))));
        }
        return i -> sizes[i];
    }

    /**
     * Replica-seconds of every model pod the Deployment controller made, from its creation to its
     * exit: loading (created to ready), ready until {@code finished} with the batch full or
     * part-empty (from {@code batches}), and after it. Paid is the sum of the pods' lives, counted apart.
     * {@code endEmpty}: of the ready time after {@code endFrom} (when the last request stopped waiting),
     * the part with the batch empty, in replica-seconds: what the campaign's end costs.
     */
    record ReplicaSeconds(
            Map<String, Double> lives,
            double loading,
            double full,
            double partEmpty,
            double after,
            double sequenceSeconds,
            double endEmpty) {

        double paid() {
            return lives.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        static ReplicaSeconds of(
                EventLog events, Instant finished, BatchUse batches, int fullAt, Instant endFrom, int batch) {
            Map<String, Double> lives = new TreeMap<>();
            double[] split = new double[6];
            for (ModelPodLives life : ModelPodLives.since(events, Instant.EPOCH)) {
                Instant cut = life.cut(finished);
                BatchUse.Use use = batches.use(life.pod(), life.ready(), cut, fullAt);
                double serving = Scenario.seconds(life.ready(), cut);
                split[0] += life.loading();
                split[1] += use.fullSeconds();
                split[2] += serving - use.fullSeconds();
                split[3] += Scenario.seconds(cut, life.exited());
                split[4] += use.sequenceSeconds();
                Instant endStart = life.ready().isAfter(endFrom) ? life.ready() : endFrom;
                if (cut.isAfter(endStart)) {
                    double endUsed =
                            batches.use(life.pod(), endStart, cut, fullAt).sequenceSeconds() / batch;
                    split[5] += Scenario.seconds(endStart, cut) - endUsed;
                }
                lives.put(life.pod(), life.seconds());
            }
            return new ReplicaSeconds(lives, split[0], split[1], split[2], split[3], split[4], split[5]);
        }
    }

    private static RewriterModel model(Scenario s) throws Exception {
        RewriterModel model = s.load(RewriterModel.class, Path.of("../examples/quickstart/model.yaml"));
        model.getMetadata().setName("p6-model");
        model.getSpec().getReplicas().setMin(0);
        model.getSpec().getReplicas().setMax(MAX_REPLICAS);
        model.getSpec().getEngine().setMaxNumSeqs(MAX_NUM_SEQS);
        RewriterModelSpec.Autoscaling a = model.getSpec().getAutoscaling();
        a.setPeriodSeconds(15 / SCALE);
        a.setScaleDownStabilizationSeconds(60 / SCALE);
        a.setIdleToZeroSeconds(60 / SCALE);
        return model;
    }
}
