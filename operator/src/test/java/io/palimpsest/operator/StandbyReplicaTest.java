package io.palimpsest.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.api.v1alpha1.RewriterModelSpec;
import io.palimpsest.operator.cluster.FaultyApiServer;
import io.palimpsest.operator.job.progress.WorkerProgressScraper;
import io.palimpsest.operator.model.Models;
import io.palimpsest.operator.model.StaticPodAddresses;
import io.palimpsest.operator.model.autoscale.MetricsScraper;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A replica that does not hold the Lease scrapes nothing: with two operator replicas, only the
 * leader reads the vLLM replicas' and the workers' /metrics (a standby would double the load and
 * export every queue series twice). Here another replica holds the Lease from before this one
 * starts and keeps renewing it; this one watches a model with a ready replica and never asks it.
 * When the other stops renewing, this one takes the Lease and starts scraping.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = StandbyReplicaTest.LeaseHeldElsewhere.class)
@TestProfile(StandbyReplicaTest.Standby.class)
class StandbyReplicaTest {
    static final String NS = "test";
    static final String LEASE = "standby-test";
    static final String MODEL = "standby-model";

    public static class Standby implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.operator-sdk.activate-leader-election-for-profiles", "test",
                    "palimpsest.leader-election.lease-name", LEASE,
                    "palimpsest.leader-election.lease-namespace", NS,
                    "palimpsest.leader-election.identity", "this-replica",
                    "palimpsest.leader-election.lease-duration", "3s",
                    "palimpsest.leader-election.renew-deadline", "2s",
                    "palimpsest.leader-election.retry-period", "250ms",
                    "palimpsest.leader-election.exit-on-stop-leading", "false");
        }
    }

    /** The other replica: it holds the Lease before this one starts and renews it until told to stop. */
    public static class LeaseHeldElsewhere implements Consumer<KubernetesServer> {
        static final AtomicBoolean renewing = new AtomicBoolean(true);

        @Override
        public void accept(KubernetesServer server) {
            FaultyApiServer.install(server.getKubernetesMockServer()); // answers JOSDK's access review
            KubernetesClient client = server.getClient();
            client.resource(new LeaseBuilder()
                            .withNewMetadata()
                            .withName(LEASE)
                            .withNamespace(NS)
                            .endMetadata()
                            .withNewSpec()
                            .withHolderIdentity("other-replica")
                            .withLeaseDurationSeconds(3)
                            .withAcquireTime(ZonedDateTime.now())
                            .withRenewTime(ZonedDateTime.now())
                            .endSpec()
                            .build())
                    .create();
            Thread renew = new Thread(
                    () -> {
                        while (renewing.get()) {
                            try {
                                client.resources(Lease.class)
                                        .inNamespace(NS)
                                        .withName(LEASE)
                                        .edit(l -> {
                                            l.getSpec().setRenewTime(ZonedDateTime.now());
                                            return l;
                                        });
                                Thread.sleep(500);
                            } catch (InterruptedException e) {
                                return;
                            } catch (RuntimeException e) {
                                // a conflict with nobody: try again at the next beat
                            }
                        }
                    },
                    "other-replica");
            renew.setDaemon(true);
            renew.start();
        }
    }

    @Inject
    KubernetesClient client;

    @Inject
    StaticPodAddresses pods;

    @Inject
    Leadership leadership;

    @Inject
    MetricsScraper modelScraper;

    @Inject
    WorkerProgressScraper workerScraper;

    @Test
    void onlyTheLeaderScrapes() throws Exception {
        AtomicInteger scrapes = new AtomicInteger();
        HttpServer replica = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        replica.createContext("/metrics", exchange -> {
            scrapes.incrementAndGet();
            byte[] body = "vllm:num_requests_waiting 0\nvllm:num_requests_running 0\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        replica.start();
        try {
            pods.set(
                    MODEL,
                    List.of(URI.create(
                            "http://127.0.0.1:" + replica.getAddress().getPort())));
            RewriterModel model = Models.huggingFace(MODEL);
            model.getMetadata().setNamespace(NS);
            RewriterModelSpec.Autoscaling autoscaling = new RewriterModelSpec.Autoscaling();
            autoscaling.setPeriodSeconds(1);
            model.getSpec().setAutoscaling(autoscaling);
            client.resource(model).create();

            // Standby: the model is in the informer's cache, its replica answers, and nobody asks it.
            Thread.sleep(4000);
            assertEquals(0, scrapes.get(), "a standby replica scraped the model's replica");
            assertFalse(modelScraper.running());
            assertFalse(workerScraper.running());
            assertFalse(leadership.leading());

            LeaseHeldElsewhere.renewing.set(false);
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> leadership.leading()
                            && modelScraper.running()
                            && workerScraper.running()
                            && scrapes.get() > 0);
        } finally {
            LeaseHeldElsewhere.renewing.set(false);
            pods.clear(MODEL);
            replica.stop(0);
        }
    }
}
