package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.operator.cluster.FaultyApiServer;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.status.ConditionAggregator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API server's answers that refuse an owned object for good, other than 422: a body it cannot
 * decode (400), an admission webhook's denial (400 when the webhook gives no code, or the code it
 * gives, 403 included), an object over its size limit (413). The same object gets the same answer
 * however often it is sent, so the job ends with the server's message naming the object, once, rather
 * than the reconcile throwing into the framework's retry forever. A 404 is still thrown for the retry.
 */
@EnableKubernetesMockClient(crud = true)
class RefusedOwnedObjectTest {
    static final String NS = FreshReconciles.NS;
    KubernetesClient client;
    KubernetesMockServer server;
    JobControllerMoves moves;
    FreshReconciles cluster;
    FaultyApiServer api;
    final MutableClock clock = new MutableClock(Instant.now());

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

    /** Planned, then the worker Job's create is answered {@code answer}; returns the count of creates it hit. */
    private AtomicInteger plannedThenWorkerCreateAnswered(FaultyApiServer.Answer answer) {
        client.resource(FreshReconciles.job("rj", "m")).create();
        cluster.reconcile("rj");
        moves.plannerSucceeds("rj-plan", 4);
        return api.inject(r -> r.is("create", "jobs"), 10, answer); // the planner's is made already
    }

    private void assertRefusedOnce(AtomicInteger hits, String serverMessage) {
        cluster.reconcile("rj"); // does not throw: the refusal is the job's end
        RewriteJobStatus status = cluster.status("rj");
        assertEquals(JobPhase.Failed, status.getPhase());
        var failed = ConditionAggregator.find(status.getConditions(), Conditions.FAILED);
        assertEquals(JobReason.RejectedByApiServer.name(), failed.getReason());
        assertTrue(
                failed.getMessage().startsWith("the API server refused to create Job rj-work: "), failed.getMessage());
        assertTrue(failed.getMessage().contains(serverMessage), failed.getMessage());
        assertEquals(1, hits.get());
        assertNull(worker());

        cluster.reconcile("rj"); // ended: the same object is not sent again
        assertEquals(1, hits.get());
        assertEquals(JobPhase.Failed, cluster.status("rj").getPhase());
    }

    /**
     * The authorizer's 403 (a grant missing from the operator's role) keeps the job, reason Forbidden, and looks
     * again after {@code palimpsest.jobs.forbidden-recheck}, which the message names.
     */
    @Test
    void aCallTheRoleDoesNotAllowIsTriedAgainAfterTheConfiguredRecheck() {
        AtomicInteger hits = plannedThenWorkerCreateAnswered(FaultyApiServer.status(403));
        JobSettings settings = new TestSettings() {
            @Override
            public Duration forbiddenRecheck() {
                return Duration.ofSeconds(3);
            }
        };
        SnapshotContext context = new SnapshotContext(client, NS, "rj");
        UpdateControl<RewriteJob> control = FreshReconcile.reconciler(
                        clock, settings, TestSettings.config("ghcr.io/palimpsest/worker:test"), (job, next, c) -> {
                            job.setStatus(next);
                            client.resource(job).updateStatus();
                        })
                .reconcile(context.primary(), context);
        assertEquals(1, hits.get());
        assertEquals(Optional.of(3000L), control.getScheduleDelay());
        RewriteJobStatus status = cluster.status("rj");
        assertEquals(JobPhase.Running, status.getPhase(), "kept as decided, not ended");
        var ready = ConditionAggregator.find(status.getConditions(), Conditions.READY);
        assertEquals(JobReason.Forbidden.name(), ready.getReason());
        assertTrue(ready.getMessage().startsWith("the operator's role lacks create on jobs.batch"), ready.getMessage());
        assertTrue(
                ready.getMessage()
                        .endsWith("templates/rbac.yaml grants every call the operator makes: add the grant"
                                + " to the operator's Role or ClusterRole (or upgrade the release); the operator tries again"
                                + " every 3 s"),
                ready.getMessage());
    }

    @Test
    void aWorkerJobTheServerCannotDecodeEndsTheJob() {
        String decode = "Job in version \"v1\" cannot be handled as a Job: quantities must match the regular"
                + " expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
        AtomicInteger hits = plannedThenWorkerCreateAnswered(FaultyApiServer.status(400, decode));
        assertRefusedOnce(hits, decode);
    }

    @Test
    void aWebhookDenialWithoutACodeEndsTheJob() {
        String denial =
                "admission webhook \"policy.example.com\" denied the request: workers must set a" + " memory limit";
        AtomicInteger hits = plannedThenWorkerCreateAnswered(FaultyApiServer.status(400, denial));
        assertRefusedOnce(hits, denial);
    }

    /** A webhook's 403 is a policy's verdict on the object, not a grant missing from the operator's role. */
    @Test
    void aWebhookDenialWith403IsARefusalNotAMissingGrant() {
        String denial = "admission webhook \"validation.gatekeeper.sh\" denied the request: [no-privileged]"
                + " privileged containers are not allowed";
        AtomicInteger hits = plannedThenWorkerCreateAnswered(FaultyApiServer.status(403, denial));
        assertRefusedOnce(hits, denial);
    }

    @Test
    void aWorkerJobOverTheSizeLimitEndsTheJob() {
        String tooLarge = "etcdserver: request is too large";
        AtomicInteger hits = plannedThenWorkerCreateAnswered(FaultyApiServer.status(413, tooLarge));
        assertRefusedOnce(hits, tooLarge);
    }

    /**
     * A 404 on a create (the namespace not found: gone, and the job with it, or not yet in the server's
     * cache) is not taken for the object's refusal: it goes to the framework's retry. (5xx and 429 too;
     * the client itself sends those again first.)
     */
    @Test
    void aNotFoundOnCreateIsRetried() {
        AtomicInteger hits =
                plannedThenWorkerCreateAnswered(FaultyApiServer.status(404, "namespaces \"test\" not found"));
        KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> cluster.reconcile("rj"));
        assertEquals(404, e.getCode());
        assertTrue(cluster.status("rj").getPhase() != JobPhase.Failed);
        api.clearFaults();
        cluster.reconcile("rj");
        assertEquals(1, hits.get());
        assertTrue(worker() != null);
    }

    private Job worker() {
        return client.batch().v1().jobs().inNamespace(NS).withName("rj-work").get();
    }
}
