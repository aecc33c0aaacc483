package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.operator.cluster.FaultyApiServer;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API server refuses a RewriteJob's own status write for good (422 invalid, 400, an admission
 * denial): the same status gets the same answer however often it is sent. The reconcile does not
 * throw it into the framework's retry: the refusal is logged and told by one Warning Event with the
 * server's message while it stands, and the status is written once the server takes it. An answer
 * that may change (409 Conflict) is still thrown for the retry.
 */
@EnableKubernetesMockClient(crud = true)
class RefusedStatusWriteTest {
    static final String NS = FreshReconciles.NS;
    static final String INVALID =
            "RewriteJob.palimpsest.io \"rj\" is invalid: status.progress: Too long: may not be" + " longer than 64";
    KubernetesClient client;
    KubernetesMockServer server;
    FreshReconciles cluster;
    FaultyApiServer api;
    final MutableClock clock = new MutableClock(Instant.now());

    @BeforeEach
    void setUp() throws Exception {
        ValidatingApiServer.installForCustomResources(server, List.of());
        api = FaultyApiServer.install(server);
        cluster = new FreshReconciles(client, clock);
        cluster.install("m");
        client.resource(FreshReconciles.job("rj", "m")).create();
    }

    @AfterEach
    void tearDown() {
        api.close();
    }

    private RewriteJobReconciler reconciler() {
        return FreshReconcile.reconciler(
                clock, TestSettings.config("ghcr.io/palimpsest/worker:test"), (job, next, c) -> {
                    job.setStatus(next);
                    client.resource(job).updateStatus();
                });
    }

    private void reconcile(RewriteJobReconciler reconciler) {
        SnapshotContext context = new SnapshotContext(client, NS, "rj");
        reconciler.reconcile(context.primary(), context);
    }

    @Test
    void aStatusWriteRefusedForGoodIsToldOnceAndNotThrown() {
        assertToldOnce(reconciler(), FaultyApiServer.status(422, INVALID));
    }

    @Test
    void anAdmissionDenialOfTheStatusIsToldOnceAndNotThrown() {
        String denial = "admission webhook \"policy.example.com\" denied the request: status writes are frozen";
        RewriteJobReconciler reconciler = reconciler();
        AtomicInteger hits =
                api.inject(r -> r.is("update", "rewritejobs/status"), 3, FaultyApiServer.status(400, denial));
        reconcile(reconciler);
        reconcile(reconciler);
        assertEquals(2, hits.get());
        List<Event> warnings = warnings();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(
                warnings.get(0).getMessage().contains(denial), warnings.get(0).getMessage());
    }

    private void assertToldOnce(RewriteJobReconciler reconciler, FaultyApiServer.Answer answer) {
        AtomicInteger hits = api.inject(r -> r.is("update", "rewritejobs/status"), 3, answer);
        reconcile(reconciler); // does not throw
        reconcile(reconciler);
        reconcile(reconciler);
        assertEquals(3, hits.get(), "one write per reconcile, none retried within it");
        assertNull(phase(), "nothing written");
        List<Event> warnings = warnings();
        assertEquals(1, warnings.size(), "one Event while the same refusal stands: " + warnings);
        assertEquals(
                "the API server refused to update the status of RewriteJob rj: " + INVALID,
                warnings.get(0).getMessage());

        reconcile(reconciler); // the server takes it now
        assertNotNull(phase());
        assertEquals(1, warnings().size(), "and no further Event");
    }

    @Test
    void aJobDeletedWhileItsStatusWriteIsRefusedLeavesNoEntry() {
        RewriteJobReconciler reconciler = reconciler();
        api.inject(r -> r.is("update", "rewritejobs/status"), 100, FaultyApiServer.status(422, INVALID));
        reconcile(reconciler);
        ResourceID rj = new ResourceID("rj", NS);
        assertEquals(Set.of(rj), reconciler.refusedStatusWrites());

        reconciler.retainJobs(existingJobs()); // a round while the job exists keeps it
        assertEquals(Set.of(rj), reconciler.refusedStatusWrites());

        client.resources(RewriteJob.class).inNamespace(NS).withName("rj").delete();
        reconciler.retainJobs(existingJobs());
        assertEquals(Set.of(), reconciler.refusedStatusWrites(), "the deleted job's refusal is forgotten");
    }

    private Set<ResourceID> existingJobs() {
        return client.resources(RewriteJob.class).inNamespace(NS).list().getItems().stream()
                .map(ResourceID::fromResource)
                .collect(Collectors.toSet());
    }

    @Test
    void aStatusWriteThatMayPassLaterIsStillThrownForTheRetry() {
        RewriteJobReconciler reconciler = reconciler();
        api.inject(r -> r.is("update", "rewritejobs/status"), 1, FaultyApiServer.status(409));
        KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> reconcile(reconciler));
        assertEquals(409, e.getCode());
        assertEquals(List.of(), warnings());
        reconcile(reconciler);
        assertNotNull(phase());
    }

    private Object phase() {
        var status = cluster.status("rj");
        return status == null ? null : status.getPhase();
    }

    private List<Event> warnings() {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "Warning".equals(e.getType())
                        && JobReason.RejectedByApiServer.name().equals(e.getReason()))
                .toList();
    }
}
