package io.palimpsest.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.operator.status.ConditionAggregator;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A job whose plan cannot be right (input that matches nothing, a template that does not compile, an input file
 * that cannot be decoded) ends PlanningFailed with the planner's reason, whole, on the simulated
 * cluster with the real worker: the planner pod fails once (exit 78, no retries), no worker Job is
 * made, nothing a worker could run is written under the output (a refusal of the duplicate-id pass comes after
 * the manifest, before the index without which no worker runs it), and the reason names what to fix.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class PlanningFailedScenarioTest {

    @Inject
    KubernetesClient operatorClient;

    @Test
    void inputThatMatchesNothingAndAMisspeltTemplateVariableEndPlanningFailed() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs worker-image/target/palimpsest.jar");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient), PalimpsestWorkerProgram.Mode.SUBPROCESS, () -> SimConfig.builder()
                        .zeroLatency())) {
            Path input = s.claim("corpus").resolve("in");
            SyntheticCorpus.write(input, 2, 5, 3);
            s.createModel("plan-model", 1, 5);

            RewriteJob noMatch = s.smallJob("no-match", "plan-model", "pvc://corpus/in/", "pvc://corpus/out-a/");
            noMatch.getSpec().getInput().setInclude(List.of("*.parquet"));
            s.client.resource(noMatch).create();
            String reason = awaitPlanningFailed(s, "no-match");
            assertTrue(reason.contains("no file under pvc://corpus/in/ matches include [*.parquet]"), reason);

            RewriteJob typo = s.smallJob("typo", "plan-model", "pvc://corpus/in/", "pvc://corpus/out-b/");
            var prompt = typo.getSpec().getRecipe().getPrompts().get(0);
            prompt.setUser(prompt.getUser().replace("{{ text }}", "{{ txt }}"));
            s.client.resource(typo).create();
            reason = awaitPlanningFailed(s, "typo");
            assertTrue(
                    reason.contains("spec.recipe.prompts[0].user: variant wiki, line 3: unknown variable 'txt'"),
                    reason);
            assertFalse(reason.contains("Exception"), reason);

            // a file the planner cannot decode: refused with the plan, before any worker is started
            Path corrupt = s.claim("corpus").resolve("corrupt-in");
            SyntheticCorpus.write(corrupt, 1, 5, 4);
            Files.writeString(corrupt.resolve("bad.jsonl.gz"), "{\"id\":\"x\",\"text\":\"not gzip at all\"}\n");
            RewriteJob bad = s.smallJob("corrupt", "plan-model", "pvc://corpus/corrupt-in/", "pvc://corpus/out-c/");
            bad.getSpec().getInput().setInclude(List.of("*.jsonl", "*.jsonl.gz"));
            s.client.resource(bad).create();
            reason = awaitPlanningFailed(s, "corrupt");
            assertTrue(
                    reason.contains("1 input file(s) cannot be decoded as their format says: ")
                            && reason.contains("bad.jsonl.gz (read as gzip-compressed JSON Lines: not gzip: bad magic"
                                    + " bytes, where a gzip file starts with 1f 8b); every shard holding one would fail"
                                    + " as bad data once its worker started")
                            && reason.endsWith("or leave them out (spec.input.exclude)"),
                    reason);

            for (String out : List.of("out-a", "out-b")) {
                Path dir = s.claim("corpus").resolve(out);
                assertTrue(!Files.exists(dir) || Files.list(dir).findAny().isEmpty(), "nothing written under " + out);
            }
        }
    }

    /**
     * An output location holding someone's files and no campaign is refused by the planner pod as {@code local}
     * refuses it, naming them, and left as it was.
     */
    @Test
    void anOutputHoldingSomeonesFilesEndsPlanningFailedNamingThem() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs worker-image/target/palimpsest.jar");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient), PalimpsestWorkerProgram.Mode.SUBPROCESS, () -> SimConfig.builder()
                        .zeroLatency())) {
            Path input = s.claim("corpus").resolve("in");
            SyntheticCorpus.write(input, 2, 5, 3);
            Path theirs = s.claim("corpus").resolve("theirs");
            Files.createDirectories(theirs.resolve("wiki"));
            Files.writeString(theirs.resolve("notes.txt"), "mine\n");
            Files.writeString(theirs.resolve("wiki/shard-00000.jsonl"), "{\"id\":\"mine\",\"text\":\"mine\"}\n");
            s.createModel("plan-model", 1, 5);

            s.client
                    .resource(s.smallJob("foreign", "plan-model", "pvc://corpus/in/", "pvc://corpus/theirs/"))
                    .create();
            String reason = awaitPlanningFailed(s, "foreign");
            assertTrue(
                    reason.contains(
                            "holds files and no Palimpsest campaign (no _palimpsest/ folder):" + " notes.txt, wiki/;"),
                    reason);
            assertFalse(Files.exists(theirs.resolve("_palimpsest")), "nothing planned there");
            assertEquals(
                    "{\"id\":\"mine\",\"text\":\"mine\"}\n",
                    Files.readString(theirs.resolve("wiki/shard-00000.jsonl")));
        }
    }

    private static String awaitPlanningFailed(Scenario s, String name) {
        RewriteJob failed = s.awaitPhase(name, JobPhase.Failed, Duration.ofSeconds(90));
        var condition = ConditionAggregator.find(failed.getStatus().getConditions(), Conditions.FAILED);
        assertEquals(JobReason.PlanningFailed.name(), condition.getReason(), condition.toString());
        assertNull(
                s.client
                        .batch()
                        .v1()
                        .jobs()
                        .inNamespace(Scenario.NS)
                        .withName(RewriteJobNames.workerJob(failed))
                        .get(),
                "no worker Job for " + name);
        List<Pod> planners = s
                .client
                .pods()
                .inNamespace(Scenario.NS)
                .withLabel(RewriteJobNames.ROLE_LABEL, RewriteJobNames.ROLE_PLAN)
                .list()
                .getItems()
                .stream()
                .filter(p -> p.getMetadata().getName().startsWith(RewriteJobNames.plannerJob(failed)))
                .toList();
        assertEquals(1, planners.size(), "a refused plan is not retried: " + planners.size() + " planner pods");
        System.out.printf("[figures] %s: PlanningFailed after 1 planner pod: %s%n", name, condition.getMessage());
        return condition.getMessage();
    }
}
