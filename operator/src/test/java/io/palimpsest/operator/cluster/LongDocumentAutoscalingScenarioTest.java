package io.palimpsest.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.model.autoscale.VllmMetricsText;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The autoscaler with long documents: on vLLM running levels off at min(max_num_seqs, KV tokens /
 * tokens per request), here about 4 of a max_num_seqs of 16, so sizing by max_num_seqs +
 * targetWaitingPerReplica would take 2 replicas for 32 requests in flight while each of them runs 4
 * and queues the rest. The operator reads the replicas' running count and KV usage and sizes from
 * the running ceiling they show. Times scaled down as in {@link AutoscalingScenarioTest}.
 */
// A minute or two on the shared machine: kept out of the default run (docs/BENCHMARKS.md).
@Tag("slow")
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class LongDocumentAutoscalingScenarioTest {
    private static final int MAX_NUM_SEQS = 16;
    private static final int TARGET_WAITING = 2;
    private static final int WORKERS = 4;
    private static final int CONCURRENCY = 8;
    /** About 4 sequences of ~830 prompt + 256 completion tokens at full length (block-rounded: 68 blocks each). */
    private static final long KV_CACHE_TOKENS = 4_608;

    @Inject
    KubernetesClient operatorClient;

    @Test
    void replicasFollowTheRunningCeilingTheKvCacheSets() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient), PalimpsestWorkerProgram.Mode.SUBPROCESS, () -> SimConfig.builder()
                        .startupDelay(Duration.ofSeconds(1))
                        .decodeStepBaseSeconds(0.01)
                        .kvCacheTokens(KV_CACHE_TOKENS))) {
            Path input = s.claim("corpus").resolve("long-in");
            writeLongDocuments(input, 12, 8, 42);
            s.client.resource(model(s)).create();
            RewriteJob job = s.smallJob("long", "long-model", "pvc://corpus/long-in/", "pvc://corpus/long-out/");
            job.getSpec().getWorkers().setParallelism(new IntOrString(WORKERS));
            job.getSpec().getWorkers().setConcurrencyPerWorker(new IntOrString(CONCURRENCY));
            Instant applied = Instant.now();
            s.client.resource(job).create();

            HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            double[] busiest =
                    new double[3]; // running per replica, KV usage, waiting per replica at the fullest sample
            ReplicaTrace trace = ReplicaTrace.follow(
                    s,
                    "long-model",
                    "long",
                    applied,
                    Duration.ofSeconds(480),
                    Duration.ofMillis(500),
                    poll -> sampleReplicas(s, http, busiest));
            System.out.println("long-document autoscaling trace (ready/wanted): " + trace);
            assertTrue(trace.finished != null, "job finished: " + trace);
            assertEquals(0, trace.lastWanted, "back to zero: " + trace);

            int inFlight = WORKERS * CONCURRENCY;
            int byMaxNumSeqs = ceilDiv(inFlight, MAX_NUM_SEQS + TARGET_WAITING);
            assertTrue(
                    busiest[1] >= 0.5 && busiest[0] < MAX_NUM_SEQS / 2.0,
                    "the KV cache, not max_num_seqs, bounds what runs: " + busiest[0]
                            + " running per replica at KV usage " + busiest[1]);
            assertTrue(
                    trace.peak >= 2 * byMaxNumSeqs,
                    "sized from the running ceiling (peak " + trace.peak
                            + "), not from max_num_seqs + targetWaitingPerReplica (" + byMaxNumSeqs + "): " + trace);
            System.out.printf(
                    "[figures] long-document autoscaling: %d requests in flight, max_num_seqs %d, KV cache %d tokens; "
                            + "fullest sample %.1f running + %.1f waiting per replica at KV usage %.2f; max_num_seqs + "
                            + "targetWaitingPerReplica (%d) would give %d replicas, the autoscaler went to %d (max 6); job done "
                            + "%.1f s after apply; trace %s%n",
                    inFlight,
                    MAX_NUM_SEQS,
                    KV_CACHE_TOKENS,
                    busiest[0],
                    busiest[2],
                    busiest[1],
                    TARGET_WAITING,
                    byMaxNumSeqs,
                    trace.peak,
                    Scenario.seconds(applied, trace.finished),
                    trace);
        }
    }

    /** Running and KV usage per replica, as the scraper reads them; keeps the sample with the fullest cache. */
    private static void sampleReplicas(Scenario s, HttpClient http, double[] busiest) {
        double running = 0;
        double waiting = 0;
        double kv = 0;
        int replicas = 0;
        for (ModelSimServer server : s.models.servers().values()) {
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/metrics"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                VllmMetricsText.Gauges g = VllmMetricsText.parse(r.body());
                running += g.running();
                waiting += g.waiting();
                kv += g.kvUsage();
                replicas++;
            } catch (Exception e) {
                // a replica still loading refuses connections, as vLLM does
            }
        }
        if (replicas > 0 && kv / replicas > busiest[1]) {
            busiest[0] = running / replicas;
            busiest[1] = kv / replicas;
            busiest[2] = waiting / replicas;
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** The quickstart model with a 16-sequence batch whose KV cache holds about 4 of these documents. */
    private static RewriterModel model(Scenario s) throws Exception {
        RewriterModel model = s.load(RewriterModel.class, Path.of("../examples/quickstart/model.yaml"));
        model.getMetadata().setName("long-model");
        model.getSpec().getReplicas().setMin(0);
        model.getSpec().getReplicas().setMax(6);
        model.getSpec().getEngine().setMaxNumSeqs(MAX_NUM_SEQS);
        model.getSpec().getEngine().setMaxModelLen(2048);
        RewriterModelSpec.Autoscaling a = model.getSpec().getAutoscaling();
        a.setPeriodSeconds(2);
        a.setIdleToZeroSeconds(6);
        a.setScaleDownStabilizationSeconds(4);
        a.setTargetWaitingPerReplica(TARGET_WAITING);
        return model;
    }

    /** Documents of 640-720 plain words (~700-790 BPE tokens): with the prompt, ~830 tokens, and 256 generated. */
    private static void writeLongDocuments(Path dir, int shards, int docsPerShard, long seed) throws Exception {
        String[] words = ("the river valley was settled by farmers who built stone walls along terraces and planted "
                        + "orchards of apple pear and plum trees while merchants from the coast brought salt cloth and iron tools "
                        + "to the market held each autumn in the old square near the church")
                .split(" ");
        Files.createDirectories(dir);
        Random random = new Random(seed);
        for (int sh = 0; sh < shards; sh++) {
            StringBuilder file = new StringBuilder();
            for (int d = 0; d < docsPerShard; d++) {
                int n = 640 + random.nextInt(81);
                StringBuilder text = new StringBuilder("Record ")
                        .append(sh)
                        .append('-')
                        .append(d)
                        .append(". ");
                for (int w = 0; w < n; w++) {
                    text.append(words[random.nextInt(words.length)]).append(w % 14 == 13 ? ". " : " ");
                }
                file.append("{\"id\":\"s")
                        .append(sh)
                        .append("-d")
                        .append(d)
                        .append("\",\"text\":\"")
                        .append(text.toString().trim())
                        .append("\"}\n");
            }
            Files.writeString(dir.resolve(String.format("shard-%04d.jsonl", sh)), file, StandardCharsets.UTF_8);
        }
    }
}
