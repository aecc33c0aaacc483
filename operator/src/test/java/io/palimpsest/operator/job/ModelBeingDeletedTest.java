package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.status.ConditionAggregator;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A RewriterModel deleted in the foreground (Argo CD prunes so by default, {@code kubectl delete --cascade=foreground})
 * stays, with its deletionTimestamp, until its Deployment, Services and weight cache claim are gone: for as long as
 * its vLLM pods take to stop. It serves nothing meanwhile and will not again; the jobs on it hold their workers as for
 * a model that is gone, rather than start workers against it that find no replica and spend their shards' retries.
 */
@EnableKubernetesMockClient(crud = true)
class ModelBeingDeletedTest {
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
    void aModelBeingDeletedHoldsTheRunningJobsWorkersAndStartsNoNewJob() {
        client.resource(FreshReconciles.job("run", "m")).create();
        cluster.reconcile("run");
        moves.plannerSucceeds("run-plan", 6);
        cluster.reconcile("run");
        cluster.reconcile("run");
        assertEquals(4, moves.job("run-work").getSpec().getParallelism());
        moves.shardCommits("run-work", 0, 5);
        moves.workerStatus("run-work", "0", "", 4);

        deleteInTheForeground("m");
        assertNotNull(
                client.resources(RewriterModel.class)
                        .inNamespace(NS)
                        .withName("m")
                        .get()
                        .getMetadata()
                        .getDeletionTimestamp(),
                "the model stays while its objects go");

        cluster.reconcile("run");
        assertEquals(0, moves.job("run-work").getSpec().getParallelism(), "no worker runs against a model going away");
        RewriteJobStatus held = cluster.status("run");
        assertEquals(JobPhase.Running, held.getPhase());
        var ready = ConditionAggregator.find(held.getConditions(), Conditions.READY);
        assertEquals("ModelNotFound", ready.getReason());
        assertTrue(ready.getMessage().contains("RewriterModel 'm' is being deleted"), ready.getMessage());

        client.resource(FreshReconciles.job("late", "m")).create();
        cluster.reconcile("late");
        RewriteJobStatus waiting = cluster.status("late");
        assertEquals(JobPhase.Pending, waiting.getPhase());
        assertEquals(
                "ModelNotFound",
                ConditionAggregator.find(waiting.getConditions(), Conditions.READY)
                        .getReason());
        assertNull(moves.job("late-plan"), "nothing is planned for a model going away");
    }

    /** As the API server marks an owner deleted with propagationPolicy Foreground while its dependents go. */
    void deleteInTheForeground(String model) {
        JobControllerMoves.retryOnConflict(() -> client.resources(RewriterModel.class)
                .inNamespace(NS)
                .withName(model)
                .edit(m -> {
                    m.getMetadata().getFinalizers().add(ValidatingApiServer.FOREGROUND_FINALIZER);
                    return m;
                }));
        client.resources(RewriterModel.class).inNamespace(NS).withName(model).delete();
    }
}
