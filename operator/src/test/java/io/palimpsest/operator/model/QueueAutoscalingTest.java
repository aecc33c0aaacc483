package io.palimpsest.operator.model;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.palimpsest.api.v1alpha1.ModelPhase;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.api.v1alpha1.RewriterModelStatus;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.model.autoscale.ModelObservations;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The autoscaler end to end over real HTTP: two simulator replicas serve vLLM's /metrics, the
 * scraper reads them on its own schedule, the reconciler moves the Deployment. Load is the
 * number of open requests per replica; each replica runs 4 at once (max-num-seqs) and 2 may
 * wait per replica, so one replica covers 6 requests.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
class QueueAutoscalingTest {
    private static final String NAME = "scaler";
    private static final Duration PERIOD = Duration.ofSeconds(1);

    @Inject
    KubernetesClient client;

    @TestHTTPResource("/q/metrics")
    URL metricsEndpoint;

    @Inject
    StaticPodAddresses pods;

    @Inject
    ModelObservations observations;

    @Test
    void raisingAndLoweringTheQueueMovesTheReplicas() throws Exception {
        SimConfig config = SimConfig.builder()
                .modelName("sim")
                .maxNumSeqs(4)
                .maxModelLen(100_000)
                .decodeStepBaseSeconds(1.0)
                .build();
        try (ModelSimServer a = ModelSimServer.start(config, "127.0.0.1", 0);
                ModelSimServer b = ModelSimServer.start(config, "127.0.0.1", 0);
                OpenRequests loadA = new OpenRequests(a.baseUrl(), "sim");
                OpenRequests loadB = new OpenRequests(b.baseUrl(), "sim")) {
            pods.set(NAME, List.of(URI.create(a.baseUrl()), URI.create(b.baseUrl())));
            client.resource(model()).create();
            awaitDesired(0, Duration.ofSeconds(10));
            assertEquals(ModelPhase.ScaledToZero, status().getPhase());

            // 18 requests: ceil(18 / 6) = 3, straight from zero.
            loadA.set(10);
            loadB.set(8);
            awaitDesired(3, Duration.ofSeconds(10));
            assertEquals(
                    3,
                    client.apps()
                            .deployments()
                            .withName(NAME + "-vllm")
                            .get()
                            .getSpec()
                            .getReplicas());

            // 30 requests: 5, within two scrape periods (plus the reconcile).
            loadB.set(20);
            long t0 = System.nanoTime();
            awaitDesired(5, Duration.ofSeconds(10));
            Duration stepUp = Duration.ofNanos(System.nanoTime() - t0);
            assertTrue(stepUp.compareTo(PERIOD.multipliedBy(2).plusMillis(1500)) <= 0, "step up took " + stepUp);

            // 60 requests would need 10: never above max (5).
            loadA.set(40);
            await().during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(6))
                    .until(() -> status().getDesiredReplicas() == 5);

            // 7 requests need 2, but only after the 3 s scale-down window.
            loadA.set(7);
            loadB.set(0);
            awaitQueue(7);
            // The last high sample is at most one period older than this one: the window still
            // holds 5 for at least 3 s - 1 s.
            await().during(Duration.ofMillis(1500))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> status().getDesiredReplicas() == 5);
            awaitDesired(2, Duration.ofSeconds(10));

            // No load and no jobs: 1 after the window, 0 after the 6 s idle window.
            loadA.set(0);
            awaitDesired(0, Duration.ofSeconds(15));
            assertEquals(ModelPhase.ScaledToZero, status().getPhase());
            assertEquals(
                    0,
                    client.apps()
                            .deployments()
                            .withName(NAME + "-vllm")
                            .get()
                            .getSpec()
                            .getReplicas());

            String scrape = new String(metricsEndpoint.openStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0.0, series(scrape, "palimpsest_model_replicas_desired"));
            assertEquals(0.0, series(scrape, "palimpsest_model_replicas_ready"));
            assertEquals(0.0, series(scrape, "palimpsest_model_queue_waiting"));
            assertEquals(0.0, series(scrape, "palimpsest_model_queue_running"));
            assertTrue(series(scrape, "palimpsest_model_reconciles_total") >= 5, "reconciles counted");
            assertEquals(0.0, series(scrape, "palimpsest_model_reconcile_errors_total"));
        } finally {
            pods.clear(NAME);
        }
    }

    /** The value of this model's series of a metric in a Prometheus text page. */
    private static double series(String page, String metric) {
        return page.lines()
                .filter(l -> l.startsWith(metric + "{")
                        && l.contains("model=\"" + NAME + "\"")
                        && l.contains("namespace=\"test\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError(metric + " of " + NAME + " not on /q/metrics"));
    }

    private static RewriterModel model() {
        RewriterModel m = Models.onPvc(NAME, 0, 5);
        m.getSpec().getEngine().setMaxNumSeqs(4);
        RewriterModelSpec.Autoscaling a = new RewriterModelSpec.Autoscaling();
        a.setTargetWaitingPerReplica(2);
        a.setPeriodSeconds((int) PERIOD.toSeconds());
        a.setScaleDownStabilizationSeconds(3);
        a.setIdleToZeroSeconds(6);
        m.getSpec().setAutoscaling(a);
        return m;
    }

    private RewriterModelStatus status() {
        RewriterModel m = client.resources(RewriterModel.class).withName(NAME).get();
        return m == null || m.getStatus() == null ? new RewriterModelStatus() : m.getStatus();
    }

    private void awaitDesired(int replicas, Duration atMost) {
        await().atMost(atMost)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> status().getDesiredReplicas() != null
                        && status().getDesiredReplicas() == replicas
                        && client.apps()
                                        .deployments()
                                        .withName(NAME + "-vllm")
                                        .get()
                                        .getSpec()
                                        .getReplicas()
                                == replicas);
    }

    private void awaitQueue(int load) {
        ResourceID id = new ResourceID(NAME, "test");
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> observations.sample(id).map(s -> s.load() == load).orElse(false));
    }
}
