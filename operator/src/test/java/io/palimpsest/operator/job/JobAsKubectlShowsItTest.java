package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.operator.ConditionConventions;
import io.palimpsest.operator.PrinterColumns;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A RewriteJob as {@code kubectl get}, {@code kubectl describe} and a GitOps health check read it, from
 * the statuses and Events the operator writes over a job's life, each stage reconciled many times as
 * informer resyncs and unrelated events do: the printer columns show the phase, shards, documents and
 * age; conditions follow metav1.Condition (a CamelCase reason, the generation they describe, a
 * lastTransitionTime that moves only when their status does); and an Event tells each change once,
 * never once per reconcile.
 */
@EnableKubernetesMockClient(crud = true)
class JobAsKubectlShowsItTest {
    static final String NS = FreshReconciles.NS;

    static final int RESYNCS = 10;

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
    void aJobsLifeShowsInItsColumnsConditionsAndOneEventPerChange() {
        client.resource(FreshReconciles.job("life", "m")).create();
        settle("life");
        assertEquals(JobPhase.Planning, cluster.status("life").getPhase());
        assertEquals(1, events("life").size(), "planning: " + reasons("life"));

        moves.plannerSucceeds("life-plan", 10);
        settle("life");
        assertEquals(JobPhase.Running, cluster.status("life").getPhase());
        int running = events("life").size();
        assertEquals(2, running, "running: " + reasons("life"));

        for (int shard = 0; shard < 6; shard++) {
            moves.shardCommits("life-work", shard, 100);
        }
        moves.workerStatus("life-work", "0-5", "", 4);
        settle("life");
        Map<String, String> columns = columns("life");
        assertEquals("Running", columns.get("Phase"), columns.toString());
        assertEquals("6/10", columns.get("Shards"), columns.toString());
        assertEquals("600", columns.get("Docs"), columns.toString());
        assertEquals("m", columns.get("Model"), columns.toString());
        assertNotEquals(PrinterColumns.NONE, columns.get("Age"), columns.toString());
        assertEquals(running, events("life").size(), "progress is no Event: " + reasons("life"));

        // An edit the job takes while it runs: a new generation, the same state. Every condition says the
        // generation it describes, and none has transitioned.
        List<Condition> before = cluster.status("life").getConditions();
        cluster.edit("life", spec -> spec.getWorkers().setWeight(3));
        settle("life");
        RewriteJob edited = job("life");
        assertEquals(2L, edited.getMetadata().getGeneration());
        assertEquals(edited.getMetadata().getGeneration(), edited.getStatus().getObservedGeneration());
        assertEquals(transitions(before), transitions(edited.getStatus().getConditions()));
        assertEquals(running, events("life").size(), "an edit taken is no Event: " + reasons("life"));

        for (int shard = 6; shard < 10; shard++) {
            moves.shardCommits("life-work", shard, 100);
        }
        moves.workerStatus("life-work", "0-9", "", 0);
        moves.finish("life-work", "Complete", null);
        settle("life");
        columns = columns("life");
        assertEquals("Succeeded", columns.get("Phase"), columns.toString());
        assertEquals("10/10", columns.get("Shards"), columns.toString());
        assertEquals("1000", columns.get("Docs"), columns.toString());
        assertEquals(running + 1, events("life").size(), "succeeded: " + reasons("life"));
    }

    @Test
    void aSpecTheOperatorRefusesIsOneWarningNamingTheFieldHoweverOftenItIsReconciled() {
        var bad = FreshReconciles.job("bad", "m");
        bad.getSpec().getOutput().setUri("s3://corpus/in/rewritten");
        client.resource(bad).create();
        settle("bad");
        assertEquals(JobPhase.Failed, cluster.status("bad").getPhase());
        List<Event> events = events("bad");
        assertEquals(1, events.size(), reasons("bad"));
        assertEquals("Warning", events.get(0).getType());
        assertEquals("InvalidSpec", events.get(0).getReason());
        assertTrue(
                events.get(0).getMessage().contains("spec.output.uri: is inside spec.input.uri"),
                events.get(0).getMessage());
        assertEquals("Failed", columns("bad").get("Phase"));
    }

    @Test
    void aJobWaitingForItsModelIsOneWarningHoweverOftenItIsReconciled() {
        client.resource(FreshReconciles.job("orphan", "absent")).create();
        settle("orphan");
        assertEquals(JobPhase.Pending, cluster.status("orphan").getPhase());
        List<Event> events = events("orphan");
        assertEquals(1, events.size(), reasons("orphan"));
        assertEquals("ModelNotFound", events.get(0).getReason());
        // the field to fix, and what fixes it
        assertTrue(
                events.get(0).getMessage().contains("spec.modelRef.name: RewriterModel 'absent' not found"),
                events.get(0).getMessage());
        assertTrue(
                events.get(0).getMessage().contains("once the model is created"),
                events.get(0).getMessage());
    }

    /**
     * Reconciles {@link #RESYNCS} times, 5 s apart (inside the time a Job may go without pods), and checks after each: the conditions of each pass
     * follow the conventions, and those whose status held kept their lastTransitionTime.
     */
    void settle(String name) {
        cluster.reconcile(name);
        for (int i = 0; i < RESYNCS; i++) {
            List<Condition> before = cluster.status(name).getConditions();
            clock.advance(Duration.ofSeconds(5));
            cluster.reconcile(name);
            RewriteJob job = job(name);
            assertConventions(job);
            for (Condition now : job.getStatus().getConditions()) {
                before.stream()
                        .filter(c -> c.getType().equals(now.getType())
                                && c.getStatus().equals(now.getStatus()))
                        .findFirst()
                        .ifPresent(c -> assertEquals(
                                c.getLastTransitionTime(),
                                now.getLastTransitionTime(),
                                now.getType() + " held " + now.getStatus() + " but transitioned"));
            }
        }
        for (Event e : events(name)) {
            assertTrue(ConditionConventions.camelCase(e.getReason()), "Event reason " + e.getReason());
        }
    }

    static void assertConventions(RewriteJob job) {
        ConditionConventions.assertConventions(
                job.getMetadata().getGeneration(),
                job.getStatus().getObservedGeneration(),
                job.getStatus().getConditions());
    }

    Map<String, String> columns(String name) {
        return PrinterColumns.render(
                PrinterColumns.REWRITE_JOBS, client.getKubernetesSerialization().asJson(job(name)), clock.instant());
    }

    RewriteJob job(String name) {
        return client.resources(RewriteJob.class).inNamespace(NS).withName(name).get();
    }

    List<Event> events(String name) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()))
                .toList();
    }

    String reasons(String name) {
        return events(name).stream()
                .map(e -> e.getReason() + ": " + e.getMessage())
                .collect(Collectors.joining("\n"));
    }

    static Map<String, Instant> transitions(List<Condition> conditions) {
        return conditions.stream()
                .collect(Collectors.toMap(Condition::getType, c -> Instant.parse(c.getLastTransitionTime())));
    }
}
