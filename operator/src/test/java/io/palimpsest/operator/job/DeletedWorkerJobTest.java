package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.worker.AttemptLedger;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.job.resources.ResolvedJobConfigMap;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The worker Job deleted by hand while the job runs (its pods go with it): the operator makes a new one, and
 * the attempt ledger keeps what the first one's pods were charged. A shard that had failed for good does not
 * start again with a fresh set of attempts, and a shard's earlier failures still count against its cap.
 */
@EnableKubernetesMockClient(crud = true)
class DeletedWorkerJobTest {
    static final String NS = FreshReconciles.NS;
    KubernetesClient client;
    KubernetesMockServer server;
    JobControllerMoves moves;
    FreshReconciles cluster;
    final MutableClock clock = new MutableClock(Instant.now());

    @BeforeEach
    void setUp() throws Exception {
        ValidatingApiServer.installForCustomResources(server, List.of());
        cluster = new FreshReconciles(client, clock);
        cluster.install("m");
        moves = new JobControllerMoves(client, NS);
    }

    @Test
    void aWorkerJobDeletedByHandGivesNoShardItsAttemptsBack() {
        client.resource(FreshReconciles.job("dw", "m")).create(); // 3 attempts per shard
        cluster.reconcile("dw");
        moves.plannerSucceeds("dw-plan", 4);
        cluster.reconcile("dw");
        String first = moves.job("dw-work").getMetadata().getUid();
        // shard 1: three crashes, failed for good; shard 2: one crash
        for (int attempt = 0; attempt < 3; attempt++) {
            moves.terminatedPod(moves.job("dw-work"), 1, attempt, false, 137, "OOMKilled", null, false);
        }
        moves.terminatedPod(moves.job("dw-work"), 2, 0, false, 137, "OOMKilled", null, false);
        cluster.reconcile("dw");
        cluster.reconcile("dw"); // reads the close back and stamps it
        AttemptLedger before = ledger();
        assertTrue(before.of(1).isExhausted());
        assertNotNull(before.of(1).getClosedAt());
        assertEquals(1, before.of(2).getFailures());

        // Deleted by hand; the garbage collector takes its pods.
        client.batch().v1().jobs().inNamespace(NS).withName("dw-work").delete();
        client.pods()
                .inNamespace(NS)
                .withLabel(RewriteJobNames.ROLE_LABEL, "work")
                .delete();
        cluster.reconcile("dw");
        assertEquals(JobPhase.Running, cluster.status("dw").getPhase());
        String second = moves.job("dw-work").getMetadata().getUid();
        assertNotEquals(first, second, "a new worker Job");
        AttemptLedger after = ledger();
        assertTrue(after.of(1).isExhausted(), "shard 1 stays closed: its pods refuse, exit 43");
        assertEquals(before.of(1).getClosedAt(), after.of(1).getClosedAt());
        assertEquals(1, after.of(2).getFailures());

        // The new Job's first crash of shard 2 is its second, and its third closes it.
        moves.terminatedPod(moves.job("dw-work"), 2, 0, false, 137, "OOMKilled", null, false);
        cluster.reconcile("dw");
        assertEquals(2, ledger().of(2).getFailures());
        moves.terminatedPod(moves.job("dw-work"), 2, 1, false, 137, "OOMKilled", null, false);
        cluster.reconcile("dw");
        cluster.reconcile("dw");
        assertEquals(3, ledger().of(2).getFailures(), "counted once each, reconcile after reconcile");
        assertTrue(ledger().of(2).isExhausted());
    }

    AttemptLedger ledger() {
        AttemptLedger ledger = ResolvedJobConfigMap.ledgerOf(
                client.configMaps().inNamespace(NS).withName("dw-job").get());
        return ledger == null ? new AttemptLedger() : ledger;
    }
}
