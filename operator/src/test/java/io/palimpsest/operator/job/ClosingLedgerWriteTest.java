package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.palimpsest.api.worker.AttemptLedger;
import io.palimpsest.operator.cluster.FaultyApiServer;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.job.resources.ResolvedJobConfigMap;
import io.palimpsest.operator.status.Rfc3339;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ledger write that closes a shard, answered 500 and sent again by the client with the body it built: a
 * replacement pod the Job controller makes meanwhile reads the ledger still open and runs an attempt past the
 * cap, unless the operator stops it. Each reconcile is a fresh reconciler ({@link FreshReconciles}), so the
 * reconcile after the close is also what an operator restarted between the two sees.
 */
@EnableKubernetesMockClient(crud = true)
class ClosingLedgerWriteTest {
    static final String NS = FreshReconciles.NS;
    KubernetesClient client;
    KubernetesMockServer server;
    JobControllerMoves moves;
    FreshReconciles cluster;
    FaultyApiServer api;
    /** The operator's clock, behind the API server's (the real one, which stamps creation times) until moved. */
    final MutableClock clock = new MutableClock(Instant.now().minusSeconds(120));

    @BeforeEach
    void setUp() throws Exception {
        ValidatingApiServer.installForCustomResources(server, List.of());
        api = FaultyApiServer.install(server);
        cluster = new FreshReconciles(client, clock);
        cluster.install("m");
        moves = new JobControllerMoves(client, NS);
    }

    @AfterEach
    void tearDown() {
        api.close();
    }

    @Test
    void aPodCreatedWhileTheClosingWriteIsSentAgainIsStopped() throws InterruptedException {
        client.resource(FreshReconciles.job("cw", "m")).create(); // 3 attempts per shard
        cluster.reconcile("cw");
        moves.plannerSucceeds("cw-plan", 4);
        cluster.reconcile("cw");
        for (int attempt = 0; attempt < 2; attempt++) {
            moves.terminatedPod(moves.job("cw-work"), 1, attempt, false, 137, "OOMKilled", null, false);
        }
        cluster.reconcile("cw");
        assertEquals(2, ledger().of(1).getFailures());
        assertFalse(ledger().of(1).isExhausted());

        // The third crash closes shard 1. The closing write is answered 500; the client sends the same body
        // again after its backoff. Meanwhile the Job controller makes the shard's replacement (after the pod
        // failure backoff), which reads the ledger as it is: still open. The API server stamps its creation
        // later than the operator decided the close.
        moves.terminatedPod(moves.job("cw-work"), 1, 2, false, 137, "OOMKilled", null, false);
        Instant decided = clock.instant();
        Pod replacement = moves.runningPodToCreate("cw-work", 1, 3, null);
        AtomicInteger refused =
                api.inject(r -> r.is("update", "configmaps") && "cw-job".equals(r.name()), 1, (request, store) -> {
                    createThroughStore(store, request, replacement);
                    return FaultyApiServer.status(500).answer(request, store);
                });
        cluster.reconcile("cw");
        assertEquals(1, refused.get());
        assertTrue(ledger().of(1).isExhausted(), "the write sent again landed");
        String name = replacement.getMetadata().getName();
        assertEquals("Running", pod(name).getStatus().getPhase());
        String createdAt = pod(name).getMetadata().getCreationTimestamp();
        assertTrue(Rfc3339.parse(createdAt).isAfter(decided.plusSeconds(1)), "created after the decision");

        // The next reconcile (the ConfigMap's change wakes it; or an operator restarted meanwhile): the
        // replacement runs a fourth attempt of a shard capped at 3 unless it is deleted (SIGTERM, exit 143, not
        // charged; its own replacement refuses).
        clock.advance(Duration.between(clock.instant(), Instant.now()));
        cluster.reconcile("cw");
        String closedAt = ledger().of(1).getClosedAt();
        Pod after = pod(name);
        assertTrue(
                after == null || after.getMetadata().getDeletionTimestamp() != null,
                "a pod created before the close landed is stopped; closedAt " + closedAt + ", pod created "
                        + createdAt);
        assertNotNull(closedAt, "stamped once the close is read back");
        assertFalse(
                Rfc3339.parse(closedAt).isBefore(Rfc3339.parse(createdAt)), "stamped no earlier than the close landed");

        // Stamped once: a later reconcile keeps it, and leaves a pod created after it (it read the closed ledger
        // and refuses by itself, exit 43).
        Instant nextSecond =
                Rfc3339.parse(closedAt).truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        while (Instant.now().isBefore(nextSecond.plusMillis(50))) {
            Thread.sleep(50);
        }
        String later = moves.runningPod("cw-work", 1, 3).getMetadata().getName();
        clock.advance(Duration.between(clock.instant(), Instant.now()));
        cluster.reconcile("cw");
        assertEquals(closedAt, ledger().of(1).getClosedAt());
        assertNull(pod(later).getMetadata().getDeletionTimestamp(), "created after the close was stamped");
    }

    @Test
    void anOperatorClockBehindTheServersDoesNotLetAPodCreatedBeforeTheCloseRun() {
        // The API server stamps the managed fields of each write on its clock, as a real one does; the operator's
        // clock stays two minutes behind it throughout.
        api.stampManagedFields(true);
        client.resource(FreshReconciles.job("cw", "m")).create(); // 3 attempts per shard
        cluster.reconcile("cw");
        moves.plannerSucceeds("cw-plan", 4);
        cluster.reconcile("cw");
        for (int attempt = 0; attempt < 3; attempt++) {
            moves.terminatedPod(moves.job("cw-work"), 1, attempt, false, 137, "OOMKilled", null, false);
        }
        // The write that closes shard 1 lands; just before it, the Job controller made the shard's replacement,
        // which read the ledger still open. The write is sent over a second before it lands (the server stamps it
        // when it persists it, so the stamp may not come before the replacement's creation, to the second).
        Pod replacement = moves.runningPodToCreate("cw-work", 1, 3, null);
        AtomicInteger closing =
                api.inject(r -> r.is("update", "configmaps") && "cw-job".equals(r.name()), 1, (request, store) -> {
                    sleep(Duration.ofMillis(1_100));
                    createThroughStore(store, request, replacement);
                    return store.dispatch(request);
                });
        cluster.reconcile("cw");
        assertEquals(1, closing.get());
        assertTrue(ledger().of(1).isExhausted());
        String name = replacement.getMetadata().getName();
        String createdAt = pod(name).getMetadata().getCreationTimestamp();

        // Read back, the close is stamped on the server's clock, not the operator's (which would put it two minutes
        // before the replacement was created, and let it run a fourth attempt).
        cluster.reconcile("cw");
        String closedAt = ledger().of(1).getClosedAt();
        assertNotNull(closedAt);
        assertFalse(
                Rfc3339.parse(closedAt).isBefore(Rfc3339.parse(createdAt).truncatedTo(ChronoUnit.SECONDS)),
                "stamped on the server's clock; closedAt " + closedAt + ", pod created " + createdAt);
        Pod after = pod(name);
        assertTrue(
                after == null || after.getMetadata().getDeletionTimestamp() != null,
                "a pod created before the close landed is stopped");
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The Job controller's create of {@code pod} (and the kubelet's start), handed to the store behind the fault
     * layer: a call through the client from inside an answer would wait for the server it holds up.
     */
    static void createThroughStore(Dispatcher store, RecordedRequest like, Pod pod) {
        String pods = "/api/v1/namespaces/" + NS + "/pods";
        MockResponse created = store.dispatch(new RecordedRequest(
                like.getHttpVersion(),
                HttpMethod.POST,
                pods,
                like.getHeaders(),
                new Buffer(Serialization.asJson(pod).getBytes(StandardCharsets.UTF_8))));
        assertEquals(201, created.code(), () -> created.getBody().readUtf8());
        Pod back = Serialization.unmarshal(created.getBody().readUtf8(), Pod.class);
        if (back.getStatus() == null || !"Running".equals(back.getStatus().getPhase())) {
            back.setStatus(pod.getStatus());
            MockResponse started = store.dispatch(new RecordedRequest(
                    like.getHttpVersion(),
                    HttpMethod.PUT,
                    pods + "/" + pod.getMetadata().getName() + "/status",
                    like.getHeaders(),
                    new Buffer(Serialization.asJson(back).getBytes(StandardCharsets.UTF_8))));
            assertEquals(200, started.code(), () -> started.getBody().readUtf8());
        }
    }

    Pod pod(String name) {
        return client.pods().inNamespace(NS).withName(name).get();
    }

    AttemptLedger ledger() {
        AttemptLedger ledger = ResolvedJobConfigMap.ledgerOf(
                client.configMaps().inNamespace(NS).withName("cw-job").get());
        return ledger == null ? new AttemptLedger() : ledger;
    }
}
