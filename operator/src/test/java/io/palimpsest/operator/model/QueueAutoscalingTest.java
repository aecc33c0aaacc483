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
import io.palimpsest.operator.job.MutableClock;
import io.palimpsest.operator.model.autoscale.ModelObservations;
import io.palimpsest.operator.model.autoscale.ScalingHistory;
import io.palimpsest.operator.model.autoscale.VllmMetricsText;
import io.palimpsest.operator.status.Rfc3339;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The autoscaler end to end over real HTTP: two simulator replicas serve vLLM's /metrics, the
 * scraper reads them on its own schedule, the reconciler moves the Deployment. Load is the
 * number of open requests per replica; each replica runs 4 at once (max-num-seqs) and 2 may
 * wait per replica, so one replica covers 6 requests.
 *
 * <p>The operator's clock is moved by the test, one period at a time, and stands still between the
 * moves: each move is one scrape, and what the autoscaler decides on it is the same however long the
 * machine takes to get there. The waits on the machine's time are only bounds for a slow machine.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(QueueAutoscalingTest.SteppedTime.class)
class QueueAutoscalingTest {
    private static final String NAME = "scaler";
    private static final Duration PERIOD = Duration.ofSeconds(1);
    /** The longest the machine may take for a scrape and the decision on it (the operator's clock stands still). */
    private static final Duration SLOW_MACHINE = Duration.ofSeconds(30);

    public static class SteppedTime implements QuarkusTestProfile {
        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(SteppedClock.class);
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            // A scrape that times out records no sample, and with the clock standing still no other
            // scrape would come: a loaded machine gets its time.
            return Map.of("palimpsest.autoscaler.scrape-timeout", "10s");
        }
    }

    /** The operator's clock, enabled by the profile only; starts at a whole second, as status times are written. */
    @Alternative
    @Singleton
    public static class SteppedClock extends MutableClock {
        public SteppedClock() {
            super(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        }
    }

    @Inject
    KubernetesClient client;

    @TestHTTPResource("/q/metrics")
    URL metricsEndpoint;

    @Inject
    StaticPodAddresses pods;

    @Inject
    ModelObservations observations;

    @Inject
    SteppedClock clock;

    private final ResourceID id = new ResourceID(NAME, "test");

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
            // the first scrape is due at once
            awaitScrapeAt(clock.instant());
            awaitDesired(0);
            assertEquals(ModelPhase.ScaledToZero, status().getPhase());

            // 18 requests: ceil(18 / 6) = 3, straight from zero.
            setLoad(a, loadA, 10);
            setLoad(b, loadB, 8);
            assertEquals(3, decidedOn(18, period()), "from zero at the first scrape that sees work");
            assertEquals(3, deploymentReplicas());

            // 30 requests: 5, within two scrape periods.
            setLoad(b, loadB, 20);
            period();
            period();
            awaitDesired(5);

            // 60 requests would need 10: never above max (5).
            setLoad(a, loadA, 40);
            assertEquals(5, decidedOn(60, period()), "bounded by max");
            for (int i = 0; i < 2; i++) {
                // the load is what the last scrape saw too: whichever a decision used, it decided on 60
                decidedAt(period());
                assertEquals(5, deploymentReplicas(), "bounded by max");
            }

            // 7 requests need 2, but only after the 3 s scale-down window: the last reading of 60 is
            // one period old at the first reading of 7, and out of the window at the third.
            setLoad(a, loadA, 7);
            setLoad(b, loadB, 0);
            assertEquals(5, decidedOn(7, period()), "the window holds 5 one period after the last high reading");
            assertEquals(2, decidedAt(period()), "raw recommendation for 7 requests");
            assertEquals(5, deploymentReplicas(), "the window holds 5 two periods after the last high reading");
            period();
            awaitDesired(2);

            // No load and no jobs: 1 after the 3 s window, 0 after the 6 s idle window; both count
            // from the last reading of 7, a period before the first of 0.
            setLoad(a, loadA, 0);
            assertEquals(2, decidedOn(0, period()), "the window holds 2 one period after the last busy reading");
            period();
            period();
            awaitDesired(1);
            period();
            decidedAt(period());
            assertEquals(1, deploymentReplicas(), "idle for 5 s, not yet the 6 s idle window");
            period();
            awaitDesired(0);
            assertEquals(ModelPhase.ScaledToZero, status().getPhase());
            assertEquals(0, deploymentReplicas());

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

    /**
     * {@code n} requests open on one replica, and the replica counting them: a scrape sees the new load,
     * not one on its way there.
     */
    private static void setLoad(ModelSimServer replica, OpenRequests load, int n) throws Exception {
        load.set(n);
        URL page = URI.create(replica.baseUrl() + "/metrics").toURL();
        await().atMost(SLOW_MACHINE).pollInterval(Duration.ofMillis(50)).until(() -> {
            VllmMetricsText.Gauges g =
                    VllmMetricsText.parse(new String(page.openStream().readAllBytes(), StandardCharsets.UTF_8));
            return g.waiting() + g.running() == n;
        });
    }

    /** The operator's clock one period on, once the scraper has read the replicas at the new time. */
    private Instant period() {
        clock.advance(PERIOD);
        Instant now = clock.instant();
        awaitScrapeAt(now);
        return now;
    }

    private void awaitScrapeAt(Instant at) {
        await().atMost(SLOW_MACHINE).pollInterval(Duration.ofMillis(20)).until(() -> observations
                .sample(id)
                .map(s -> s.sampledAt().equals(at))
                .orElse(false));
    }

    /**
     * The replicas decided on the scrape at {@code at} that saw {@code load} requests, a load other than
     * the scrape before: the status that shows this queue is the one written with the decision on it.
     */
    private int decidedOn(int load, Instant at) {
        RewriterModelStatus decided = await().atMost(SLOW_MACHINE)
                .pollInterval(Duration.ofMillis(50))
                .until(
                        this::status,
                        s -> s.getQueue() != null
                                && s.getQueue().getWaiting() + s.getQueue().getRunning() == load
                                && at.equals(Rfc3339.parse(s.getQueue().getSampledAt())));
        return decided.getDesiredReplicas();
    }

    /**
     * The raw recommendation of the decision made at {@code at}, once it is made; the Deployment has
     * the replicas it decided by then (the recommendation is remembered only once the Deployment took it).
     */
    private int decidedAt(Instant at) {
        ScalingHistory.Entry last = await().atMost(SLOW_MACHINE)
                .pollInterval(Duration.ofMillis(20))
                .until(
                        () -> {
                            List<ScalingHistory.Entry> entries =
                                    observations.history(id).entries();
                            return entries.isEmpty() ? null : entries.get(entries.size() - 1);
                        },
                        e -> e != null && e.at().equals(at));
        return last.replicas();
    }

    private RewriterModelStatus status() {
        RewriterModel m = client.resources(RewriterModel.class).withName(NAME).get();
        return m == null || m.getStatus() == null ? new RewriterModelStatus() : m.getStatus();
    }

    private int deploymentReplicas() {
        return client.apps()
                .deployments()
                .withName(NAME + "-vllm")
                .get()
                .getSpec()
                .getReplicas();
    }

    /** The operator's clock stands still: what it decides at this time, it decides however slow the machine. */
    private void awaitDesired(int replicas) {
        await(replicas + " replicas decided and on the Deployment at " + clock.instant())
                .atMost(SLOW_MACHINE)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> status().getDesiredReplicas() != null
                        && status().getDesiredReplicas() == replicas
                        && deploymentReplicas() == replicas);
    }
}
