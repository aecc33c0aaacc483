package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.worker.ResolvedJob;
import io.palimpsest.operator.status.ConditionAggregator;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Spec edits while a job runs, each either applied to what runs, refused, or said in the status: none
 * silently ignored. The mock server checks no CEL rule, as a cluster whose CRD predates a rule.
 */
@EnableKubernetesMockClient(crud = true)
class SpecEditsTest {
    static final String NS = FreshReconciles.NS;
    KubernetesClient client;
    JobControllerMoves moves;
    FreshReconciles cluster;
    final MutableClock clock = new MutableClock(Instant.now());

    @BeforeEach
    void setUp() throws Exception {
        cluster = new FreshReconciles(client, clock);
        cluster.install("m");
        moves = new JobControllerMoves(client, NS);
    }

    /** The job planned and its worker Job made, at {@code shards} shards. */
    void running(String name, int shards) {
        client.resource(FreshReconciles.job(name, "m")).create();
        cluster.reconcile(name);
        moves.plannerSucceeds(name + "-plan", shards);
        cluster.reconcile(name);
        assertEquals(JobPhase.Running, cluster.status(name).getPhase());
    }

    /**
     * The CRD refuses a new modelRef (a transition rule); where the cluster's CRD predates that rule, the operator
     * refuses it too: the job fails InvalidSpec naming the model its workers run on, the workers keep their
     * job.yaml (no worker started afterwards calls the other model), and the edit undone, the job goes on.
     */
    @Test
    void anotherModelMidRunIsRefusedAndTheWorkersKeepTheirs() {
        cluster.model("m2");
        running("mr", 4);
        moves.shardCommits("mr-work", 0, 10);
        moves.workerStatus("mr-work", "0", "", 3);
        String jobYaml = jobYaml("mr");
        assertTrue(jobYaml.contains("endpoint: http://m-vllm.test.svc:8000"), jobYaml);

        cluster.edit("mr", spec -> spec.getModelRef().setName("m2"));
        cluster.reconcile("mr");
        RewriteJobStatus refused = cluster.status("mr");
        assertEquals(JobPhase.Failed, refused.getPhase());
        var failed = ConditionAggregator.find(refused.getConditions(), Conditions.FAILED);
        assertEquals("InvalidSpec", failed.getReason());
        assertEquals(
                "spec.modelRef: modelRef is immutable once set; create a new RewriteJob (this job's workers run on"
                        + " RewriterModel \"m\": set spec.modelRef.name back to \"m\" to go on)",
                failed.getMessage());
        assertEquals(jobYaml, jobYaml("mr"), "the workers' job.yaml still names the first model");
        assertEquals(1, refused.getShards().getSucceeded(), "the committed shard is still counted");

        cluster.edit("mr", spec -> spec.getModelRef().setName("m"));
        cluster.reconcile("mr");
        RewriteJobStatus resumed = cluster.status("mr");
        assertEquals(JobPhase.Running, resumed.getPhase());
        assertNull(resumed.getCompletionTime());
        assertEquals(1, resumed.getShards().getSucceeded());
        assertEquals(jobYaml, jobYaml("mr"));
    }

    String jobYaml(String name) {
        return client.configMaps()
                .inNamespace(NS)
                .withName(name + "-job")
                .get()
                .getData()
                .get(ResolvedJob.CONFIG_KEY);
    }
}
