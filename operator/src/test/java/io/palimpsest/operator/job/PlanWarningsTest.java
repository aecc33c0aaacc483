package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.worker.PlanSummary;
import io.palimpsest.operator.PalimpsestConfig;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@code palimpsest lint} and {@code local} warn of (a chunked request over the model's context) the planner
 * puts in its summary; the operator tells each by a Warning Event on the RewriteJob, once, with the same words.
 */
@EnableKubernetesMockClient(crud = true)
class PlanWarningsTest {
    static final String NS = "test";

    KubernetesClient client;
    KubernetesMockServer server;
    JobControllerMoves moves;
    final MutableClock clock = new MutableClock(Instant.now());
    final PalimpsestConfig config = TestSettings.config("ghcr.io/palimpsest/worker:test");

    @BeforeEach
    void setUp() throws Exception {
        ValidatingApiServer.installForCustomResources(server, List.of());
        new FreshReconciles(client, clock).install("m");
        moves = new JobControllerMoves(client, NS);
        RewriteJob job = TestJobs.job("pw", "s3://corpus/in", "s3://corpus/out");
        job.getSpec().getModelRef().setName("m");
        client.resource(job).create();
    }

    @Test
    void thePlannersWarningsAreToldOnceEachByAWarningEvent() throws Exception {
        String warning = "spec.recipe.prompts[0].sampling.maxTokens: variant wiki: a full-size chunk makes a request"
                + " of 52 (the prompt's own tokens) + 7600 (chunking.maxTokens) + 1024 (sampling.maxTokens) = 8676"
                + " tokens, over the model's context (engine.maxModelLen 8192) by 484";
        reconcile();
        PlanSummary summary = new PlanSummary();
        summary.setShards(4);
        summary.setWarnings(List.of(warning));
        moves.terminatedPod(
                moves.job("pw-plan"),
                null,
                0,
                true,
                0,
                "Completed",
                new ObjectMapper().writeValueAsString(summary),
                false);
        moves.finish("pw-plan", "Complete", null);
        reconcile();
        reconcile();
        reconcile();
        List<Event> told = warnings();
        assertEquals(1, told.size(), told.toString());
        assertEquals(warning, told.get(0).getMessage());
        assertEquals("RewriteJob", told.get(0).getInvolvedObject().getKind());
        assertEquals("pw", told.get(0).getInvolvedObject().getName());
    }

    @Test
    void aPlanWithoutWarningsTellsNone() {
        reconcile();
        moves.plannerSucceeds("pw-plan", 4);
        reconcile();
        reconcile();
        assertEquals(List.of(), warnings());
    }

    void reconcile() {
        FreshReconcile.of(client, NS, "pw", clock, config);
    }

    List<Event> warnings() {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "Warning".equals(e.getType()) && RewriteJobReconciler.RECIPE_WARNING.equals(e.getReason()))
                .toList();
    }
}
