package io.palimpsest.operator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.worker.FinishedInputs;
import io.palimpsest.api.worker.PlanRefusals;
import io.palimpsest.api.worker.ShardSummary;
import io.palimpsest.operator.cluster.ValidatingApiServer;
import io.palimpsest.operator.job.observe.SharedOutput;
import io.palimpsest.operator.job.observe.UpstreamInput;
import io.palimpsest.operator.status.ConditionAggregator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two chained stages applied at once (stage 2 reads stage 1's output), against the mock API server, each
 * reconcile a fresh reconciler on a fresh read of the server ({@link FreshReconciles}): stage 2 waits,
 * making nothing, while stage 1 has not Succeeded (it would plan only the shards committed so far), and
 * plans once it has; an upstream that will not finish by itself and a cycle are said, naming the jobs.
 */
@EnableKubernetesMockClient(crud = true)
class UpstreamInputJobsTest {
    static final String NS = "test";
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
    void aStageReadingAnotherStagesOutputPlansOnlyOnceThatOneHasSucceeded() {
        // Applied at once; the second stage is reconciled first.
        client.resource(job("up-2", "s3://corpus/stage-1/", "s3://corpus/stage-2"))
                .create();
        client.resource(job("up-1", "s3://corpus/raw", "s3://corpus/stage-1")).create();
        cluster.reconcile("up-2");
        cluster.reconcile("up-1");
        assertEquals(JobPhase.Planning, cluster.status("up-1").getPhase());
        assertEquals(JobPhase.Pending, cluster.status("up-2").getPhase());
        var ready = ready("up-2");
        assertEquals("InputInProgress", ready.getReason());
        assertTrue(
                ready.getMessage()
                        .startsWith("spec.input.uri s3://corpus/stage-1/ is the output of RewriteJob test/up-1"),
                ready.getMessage());
        assertNull(moves.job("up-2-plan"), "no plan of a fraction of the other job's output");
        assertNull(client.configMaps().inNamespace(NS).withName("up-2-job").get());

        // Stage 1 runs: stage 2 still waits, told its progress.
        moves.plannerSucceeds("up-1-plan", 2);
        cluster.reconcile("up-1");
        moves.shardCommits("up-1-work", 0, 10);
        moves.workerStatus("up-1-work", "0", "", 1);
        cluster.reconcile("up-1");
        assertEquals(JobPhase.Running, cluster.status("up-1").getPhase());
        cluster.reconcile("up-2");
        assertEquals(JobPhase.Pending, cluster.status("up-2").getPhase());
        assertTrue(
                ready("up-2").getMessage().contains("RewriteJob test/up-1 (Running, 1/2 shards)"),
                ready("up-2").getMessage());
        assertNull(moves.job("up-2-plan"));

        moves.shardCommits("up-1-work", 1, 10);
        moves.workerStatus("up-1-work", "0-1", "", 0);
        moves.finish("up-1-work", "Complete", null);
        cluster.reconcile("up-1");
        assertEquals(JobPhase.Succeeded, cluster.status("up-1").getPhase());
        cluster.reconcile("up-2");
        assertEquals(JobPhase.Planning, cluster.status("up-2").getPhase());
        assertNotNull(moves.job("up-2-plan"));
        assertEquals(List.of(), finishedInputs("up-2"), "a whole output needs no word to the planner");
    }

    @Test
    void thePlannerIsToldTheOutputsOfTheUpstreamsThatSucceededAndNoOthers() {
        client.resource(job("fi-2", "s3://corpus/fi-1/default", "s3://corpus/fi-2"))
                .create();
        client.resource(job("fi-1", "s3://corpus/raw", "s3://corpus/fi-1")).create();
        cluster.reconcile("fi-1");
        assertEquals(List.of(), finishedInputs("fi-1"), "no upstream");

        // Stage 1 ends with one shard failed for good, within its maxFailedShards: Succeeded, one of two committed.
        moves.plannerSucceeds("fi-1-plan", 2);
        cluster.reconcile("fi-1");
        moves.shardCommits("fi-1-work", 0, 10);
        moves.shardFails("fi-1-work", 1, 0, 42, ShardSummary.Outcome.badData, "BadData");
        moves.workerStatus("fi-1-work", "0", "1", 0);
        moves.finish("fi-1-work", "Failed", "FailedIndexes");
        cluster.reconcile("fi-1");
        assertEquals(JobPhase.Succeeded, cluster.status("fi-1").getPhase());
        assertEquals("1/2", cluster.status("fi-1").getProgress());

        // Stage 2, inside its output, plans: its planner reads that output as it is, not refusing it as unfinished.
        cluster.reconcile("fi-2");
        assertEquals(JobPhase.Planning, cluster.status("fi-2").getPhase());
        assertEquals(List.of("s3://corpus/fi-1/"), finishedInputs("fi-2"));
        // told with what identifies that campaign, as stage 1's status records it: its output may be written again
        // (a rerun into it) before stage 2's planner reads it, which then refuses what is not this campaign
        RewriteJobStatus upstream = cluster.status("fi-1");
        assertNotNull(upstream.getRecipeHash());
        assertEquals(
                List.of(new FinishedInputs.Campaign(
                        "s3://corpus/fi-1/", NS + "/fi-1", 2L, 1L, upstream.getRecipeHash())),
                finishedCampaigns("fi-2"));

        // An upstream deleted, Succeeded or not, is named no more: what it left stays refused if not whole.
        client.resource(job("fi-3", "s3://corpus/raw", "s3://corpus/fi-3")).create();
        client.resource(job("fi-4", "s3://corpus/fi-3", "s3://corpus/fi-4")).create();
        cluster.reconcile("fi-3");
        cluster.reconcile("fi-4");
        assertNull(moves.job("fi-4-plan"));
        client.resources(RewriteJob.class).inNamespace(NS).withName("fi-3").delete();
        cluster.reconcile("fi-4");
        assertEquals(JobPhase.Planning, cluster.status("fi-4").getPhase());
        assertEquals(List.of(), finishedInputs("fi-4"));
    }

    /**
     * The outputs of the campaigns the planner is told have ended ({@link FinishedInputs#ENV}), checking it is told
     * them only there: not as a flag, which a worker image from before it would refuse as a usage error.
     */
    private List<String> finishedInputs(String name) {
        return finishedCampaigns(name).stream()
                .map(FinishedInputs.Campaign::getOutput)
                .toList();
    }

    private List<FinishedInputs.Campaign> finishedCampaigns(String name) {
        var container = moves.job(name + "-plan")
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0);
        List<String> args = container.getArgs();
        assertEquals("plan", args.get(0), args.toString());
        assertTrue(args.stream().noneMatch(a -> a.startsWith("--finished-input")), args.toString());
        List<String> told = container.getEnv().stream()
                .filter(e -> e.getName().equals(FinishedInputs.ENV))
                .map(EnvVar::getValue)
                .toList();
        assertTrue(told.size() <= 1, told.toString());
        return told.isEmpty() ? List.of() : FinishedInputs.decode(told.get(0).replace("$$", "$"));
    }

    @Test
    void anInputInsideOrAroundAnUnfinishedOutputWaitsToo() {
        client.resource(job("up-o", "s3://corpus/raw", "s3://corpus/out")).create();
        client.resource(job("up-in", "s3://corpus/out/default", "s3://other/next-a"))
                .create();
        client.resource(job("up-around", "s3://corpus/", "s3://other/next-b")).create();
        client.resource(job("up-beside", "s3://corpus/out-2", "s3://other/next-c"))
                .create();
        cluster.reconcile("up-o");
        cluster.reconcile("up-in");
        cluster.reconcile("up-around");
        cluster.reconcile("up-beside");
        assertTrue(
                ready("up-in")
                        .getMessage()
                        .startsWith("spec.input.uri s3://corpus/out/default is inside s3://corpus/out/, the output of"
                                + " RewriteJob test/up-o (Planning)"),
                ready("up-in").getMessage());
        assertTrue(
                ready("up-around")
                        .getMessage()
                        .startsWith("spec.input.uri s3://corpus/ holds s3://corpus/out/, the output of RewriteJob"
                                + " test/up-o (Planning)"),
                ready("up-around").getMessage());
        assertEquals(JobPhase.Planning, cluster.status("up-beside").getPhase());
    }

    @Test
    void aJobThatHasPlannedIsNotHeld() {
        client.resource(job("up-d", "s3://corpus/shared-in", "s3://corpus/d-out"))
                .create();
        cluster.reconcile("up-d");
        assertEquals(JobPhase.Planning, cluster.status("up-d").getPhase());
        // A job into its input comes later: the planned job's plan is fixed.
        client.resource(job("up-u", "s3://corpus/raw", "s3://corpus/shared-in/more"))
                .create();
        cluster.reconcile("up-u");
        cluster.reconcile("up-d");
        assertEquals(JobPhase.Planning, cluster.status("up-d").getPhase());
    }

    @Test
    void anUpstreamThatWillNotFinishByItselfIsNamedWithWhy() {
        RewriteJob upstream = job("up-m", "s3://corpus/raw", "s3://corpus/m-out");
        upstream.getSpec().getModelRef().setName("missing");
        client.resource(upstream).create();
        client.resource(job("up-n", "s3://corpus/m-out", "s3://corpus/n-out")).create();
        cluster.reconcile("up-m");
        cluster.reconcile("up-n");
        assertEquals("ModelNotFound", ready("up-m").getReason());
        assertEquals(JobPhase.Pending, cluster.status("up-n").getPhase());
        var ready = ready("up-n");
        assertEquals("InputIncomplete", ready.getReason());
        assertTrue(
                ready.getMessage()
                        .startsWith("spec.input.uri s3://corpus/m-out is the output of RewriteJob test/up-m"
                                + " (Pending), which is Pending (ModelNotFound) until someone fixes it"),
                ready.getMessage());
        assertNull(moves.job("up-n-plan"));

        // Deleted, the upstream holds the input no more (its planner then sees what it left: `plan` refuses an
        // input whose campaign is not whole).
        client.resources(RewriteJob.class).inNamespace(NS).withName("up-m").delete();
        cluster.reconcile("up-n");
        assertEquals(JobPhase.Planning, cluster.status("up-n").getPhase());
    }

    @Test
    void aChainOfHeldJobsQuotesEachUpstreamsMessageShortened() {
        // up-c0 waits for a model that is missing; each job after it reads the one before: each message quotes
        // the upstream's, which quotes its own upstream's, and so on; the quote is bounded, the chain's length not.
        RewriteJob first = job("up-c0", "s3://corpus/raw", "s3://corpus/c0");
        first.getSpec().getModelRef().setName("missing");
        client.resource(first).create();
        cluster.reconcile("up-c0");
        for (int i = 1; i <= 4; i++) {
            client.resource(job("up-c" + i, "s3://corpus/c" + (i - 1), "s3://corpus/c" + i))
                    .create();
            cluster.reconcile("up-c" + i);
            assertEquals("InputIncomplete", ready("up-c" + i).getReason());
        }
        String last = ready("up-c4").getMessage();
        assertTrue(last.length() < 1000, last.length() + ": " + last);
        assertTrue(last.contains("..."), last);
    }

    @Test
    void aJobReadingAnOutputItsOwnOutputHoldsBackIsToldBothWait() {
        // up-a came first and writes inside up-b's output while reading from it: up-b waits for up-a's output
        // to be free (OutputInUse), up-a for up-b to Succeed; said as such, not as "has not finished".
        client.resource(job("up-a", "s3://corpus/b-out/x", "s3://corpus/b-out/a-out"))
                .create();
        client.resource(job("up-b", "s3://corpus/raw", "s3://corpus/b-out")).create();
        cluster.reconcile("up-a");
        cluster.reconcile("up-b");
        assertEquals("OutputInUse", ready("up-b").getReason());
        cluster.reconcile("up-a");
        var ready = ready("up-a");
        assertEquals("InputIncomplete", ready.getReason(), ready.getMessage());
        assertTrue(ready.getMessage().contains("waits (OutputInUse) for this job's output"), ready.getMessage());
    }

    @Test
    void aFailedUpstreamHoldsTheJobNamingIt() {
        client.resource(job("up-f", "s3://corpus/raw", "s3://corpus/f-out")).create();
        client.resource(job("up-g", "s3://corpus/f-out", "s3://corpus/g-out")).create();
        cluster.reconcile("up-f");
        moves.plannerFails("up-f-plan", "s3://corpus/raw: access denied");
        cluster.reconcile("up-f");
        assertEquals(JobPhase.Failed, cluster.status("up-f").getPhase());
        cluster.reconcile("up-g");
        var ready = ready("up-g");
        assertEquals(JobPhase.Pending, cluster.status("up-g").getPhase());
        assertEquals("InputIncomplete", ready.getReason());
        assertTrue(
                ready.getMessage()
                        .contains("RewriteJob test/up-f (Failed), which Failed (PlanningFailed): its output holds only"
                                + " the shards it committed"),
                ready.getMessage());
    }

    @Test
    void anUpstreamThatFailedBeforeItsPlanDoesNotHoldAnInputAroundItsOutput() {
        // up-h failed before it had a plan: nothing of its was written under s3://corpus/lake/h-out. A job
        // reading the whole lake is not held by it for ever; one reading that output alone still is.
        client.resource(job("up-h", "s3://corpus/raw", "s3://corpus/lake/h-out"))
                .create();
        client.resource(job("up-lake", "s3://corpus/lake/", "s3://corpus/lake-out"))
                .create();
        client.resource(job("up-only", "s3://corpus/lake/h-out/", "s3://corpus/only-out"))
                .create();
        cluster.reconcile("up-h");
        moves.plannerFails("up-h-plan", "s3://corpus/raw: access denied");
        cluster.reconcile("up-h");
        assertEquals(JobPhase.Failed, cluster.status("up-h").getPhase());
        cluster.reconcile("up-lake");
        assertEquals(JobPhase.Planning, cluster.status("up-lake").getPhase());
        cluster.reconcile("up-only");
        assertEquals(JobPhase.Pending, cluster.status("up-only").getPhase());
        assertEquals("InputIncomplete", ready("up-only").getReason());
    }

    @Test
    void aCycleIsRefusedNamingBothJobs() {
        client.resource(job("up-x", "s3://corpus/y-out", "s3://corpus/x-out")).create();
        client.resource(job("up-y", "s3://corpus/x-out", "s3://corpus/y-out")).create();
        cluster.reconcile("up-x");
        cluster.reconcile("up-y");
        for (String name : List.of("up-x", "up-y")) {
            assertEquals(JobPhase.Pending, cluster.status(name).getPhase());
            assertEquals("InputIncomplete", ready(name).getReason());
        }
        assertTrue(
                ready("up-x")
                        .getMessage()
                        .startsWith("spec.input.uri s3://corpus/y-out is refused: RewriteJob test/up-x reads the output"
                                + " of RewriteJob test/up-y (s3://corpus/y-out), which reads this job's output"
                                + " (s3://corpus/x-out)"),
                ready("up-x").getMessage());
        assertNull(moves.job("up-x-plan"));
        assertNull(moves.job("up-y-plan"));
    }

    @Test
    void anUpstreamsChangeWakesTheJobsWaitingOnItsOutput() {
        RewriteJob upstream = job("w-1", "s3://corpus/raw", "s3://corpus/w1");
        RewriteJob same = job("w-2", "s3://corpus/w1/", "s3://corpus/w2");
        RewriteJob inside = job("w-3", "s3://corpus/w1/default", "s3://corpus/w3");
        RewriteJob around = job("w-4", "s3://corpus", "s3://other/w4");
        RewriteJob beside = job("w-5", "s3://corpus/w1-b", "s3://corpus/w5");
        RewriteJob started = job("w-6", "s3://corpus/w1", "s3://corpus/w6");
        started.setStatus(new RewriteJobStatus());
        started.getStatus().setPhase(JobPhase.Running);
        List<RewriteJob> all = List.of(upstream, same, inside, around, beside, started);
        SharedOutput.Index index = (name, key) -> all.stream()
                .filter(j -> switch (name) {
                    case UpstreamInput.BY_INPUT -> key.equals(UpstreamInput.key(j));
                    case UpstreamInput.BY_INPUT_TREE ->
                        UpstreamInput.treeKeys(j).contains(key);
                    default -> throw new IllegalArgumentException(name);
                })
                .toList();
        assertEquals(
                Set.of(new ResourceID("w-2", NS), new ResourceID("w-3", NS), new ResourceID("w-4", NS)),
                RewriteJobReconciler.waitingOn(upstream, index));
    }

    @Test
    void theNewestKnownVersionOfTheUpstreamDecides() {
        RewriteJob upstream = job("v-1", "s3://corpus/raw", "s3://corpus/v1");
        upstream.getMetadata().setUid("u1");
        upstream.getMetadata().setResourceVersion("7");
        upstream.setStatus(new RewriteJobStatus());
        upstream.getStatus().setPhase(JobPhase.Running);
        RewriteJob reader = job("v-2", "s3://corpus/v1", "s3://corpus/v2");
        List<RewriteJob> all = List.of(upstream, reader);
        SharedOutput.Index index = (name, key) -> all.stream()
                .filter(j -> switch (name) {
                    case SharedOutput.BY_OUTPUT -> key.equals(SharedOutput.key(j));
                    case SharedOutput.BY_OUTPUT_TREE -> SharedOutput.treeKeys(j).contains(key);
                    default -> throw new IllegalArgumentException(name);
                })
                .toList();
        assertEquals(
                "InputInProgress",
                UpstreamInput.waitFor(reader, index).orElseThrow().reason().name());

        // The informer that woke the reader saw it Succeed before the primary cache did.
        RewriteJob succeeded = job("v-1", "s3://corpus/raw", "s3://corpus/v1");
        succeeded.getMetadata().setUid("u1");
        succeeded.getMetadata().setResourceVersion("8");
        succeeded.setStatus(new RewriteJobStatus());
        succeeded.getStatus().setPhase(JobPhase.Succeeded);
        assertTrue(RewriteJobReconciler.newer(succeeded, upstream));
        assertTrue(!RewriteJobReconciler.newer(upstream, succeeded));
        assertTrue(UpstreamInput.waitFor(reader, index, u -> succeeded).isEmpty());
        // ... or saw it deleted
        assertTrue(UpstreamInput.waitFor(reader, index, u -> null).isEmpty());
    }

    @Test
    void aStageCreatedBeforeItsUpstreamWaitsAgainWhenTheUpstreamComesAndPlansOnceItHasSucceeded() {
        // kubectl apply -f of a folder, alphabetically: stage 2 comes first, plans, and finds nothing there yet.
        client.resource(job("a-2", "s3://corpus/a-1/", "s3://corpus/a-2")).create();
        cluster.reconcile("a-2");
        assertEquals(JobPhase.Planning, cluster.status("a-2").getPhase());
        moves.plannerRefusesInput("a-2-plan", "input s3://corpus/a-1/ does not exist or holds no files");
        cluster.reconcile("a-2");
        assertEquals(JobPhase.Failed, cluster.status("a-2").getPhase());
        assertEquals("PlanningFailed", failed("a-2").getReason());
        cluster.reconcile("a-2");
        assertEquals(JobPhase.Failed, cluster.status("a-2").getPhase(), "no job writes its input: it stays Failed");

        // Stage 1 is applied: stage 2 is woken (the informer on RewriteJobs maps it), and waits for it again.
        clock.advance(Duration.ofSeconds(5));
        client.resource(job("a-1", "s3://corpus/raw", "s3://corpus/a-1")).create();
        assertTrue(RewriteJobReconciler.waitingOn(
                        client.resources(RewriteJob.class)
                                .inNamespace(NS)
                                .withName("a-1")
                                .get(),
                        serverIndex())
                .contains(new ResourceID("a-2", NS)));
        cluster.reconcile("a-1");
        cluster.reconcile("a-2");
        assertEquals(JobPhase.Pending, cluster.status("a-2").getPhase());
        assertNull(cluster.status("a-2").getCompletionTime());
        var ready = ready("a-2");
        assertEquals("InputInProgress", ready.getReason());
        assertTrue(
                ready.getMessage()
                        .startsWith("planning again: the planner refused spec.input.uri s3://corpus/a-1/ at "),
                ready.getMessage());
        assertTrue(
                ready.getMessage().contains("(its input was not ready), and it is the output of RewriteJob test/a-1,"),
                ready.getMessage());
        assertTrue(
                ready.getMessage()
                        .contains("; spec.input.uri s3://corpus/a-1/ is the output of RewriteJob test/a-1 (Planning)"),
                ready.getMessage());
        assertEquals(Conditions.FALSE, failed("a-2").getStatus());
        assertNull(moves.job("a-2-plan"), "the failed planner Job is deleted");
        assertTrue(
                client.v1().events().inNamespace(NS).list().getItems().stream()
                        .anyMatch(e -> "a-2".equals(e.getInvolvedObject().getName())
                                && e.getMessage() != null
                                && e.getMessage().contains("planning again: the planner refused")),
                "an Event says why the job waits again");
        cluster.reconcile("a-2");
        assertEquals(JobPhase.Pending, cluster.status("a-2").getPhase());
        assertNull(moves.job("a-2-plan"));

        // Stage 1 runs and Succeeds: stage 2 plans, and runs.
        moves.plannerSucceeds("a-1-plan", 1);
        cluster.reconcile("a-1");
        moves.shardCommits("a-1-work", 0, 10);
        moves.workerStatus("a-1-work", "0", "", 0);
        moves.finish("a-1-work", "Complete", null);
        clock.advance(Duration.ofSeconds(5));
        cluster.reconcile("a-1");
        assertEquals(JobPhase.Succeeded, cluster.status("a-1").getPhase());
        cluster.reconcile("a-2");
        assertEquals(JobPhase.Planning, cluster.status("a-2").getPhase());
        assertNotNull(moves.job("a-2-plan"));
        moves.plannerSucceeds("a-2-plan", 2);
        cluster.reconcile("a-2");
        assertEquals(JobPhase.Running, cluster.status("a-2").getPhase());
    }

    @Test
    void aStageWhosePlannerRanWhenItsUpstreamWasCreatedWaitsAgainToo() {
        client.resource(job("r-2", "s3://corpus/r-1/", "s3://corpus/r-2")).create();
        cluster.reconcile("r-2");
        assertEquals(JobPhase.Planning, cluster.status("r-2").getPhase());
        // Stage 1 comes while stage 2's planner runs: stage 2 has started, it is not held...
        client.resource(job("r-1", "s3://corpus/raw", "s3://corpus/r-1")).create();
        cluster.reconcile("r-1");
        cluster.reconcile("r-2");
        assertEquals(JobPhase.Planning, cluster.status("r-2").getPhase());
        // ... and its planner finds stage 1's campaign not whole.
        moves.plannerRefusesInput(
                "r-2-plan",
                "spec.input.uri s3://corpus/r-1/ holds the output s3://corpus/r-1/ of a campaign that is not whole: 0"
                        + " of 2 shards committed");
        cluster.reconcile("r-2");
        assertEquals(JobPhase.Failed, cluster.status("r-2").getPhase());
        cluster.reconcile("r-2");
        assertEquals(JobPhase.Pending, cluster.status("r-2").getPhase());
        assertEquals("InputInProgress", ready("r-2").getReason());
        assertTrue(
                ready("r-2").getMessage().contains("and it is the output of RewriteJob test/r-1, which "),
                ready("r-2").getMessage());
    }

    @Test
    void aStageRefusedAgainOnceItsUpstreamHasFinishedOrForItsOwnSpecStaysFailed() {
        // Downstream first, refused; upstream comes; downstream waits, then plans after the upstream Succeeded...
        client.resource(job("n-2", "s3://corpus/n-1/", "s3://corpus/n-2")).create();
        cluster.reconcile("n-2");
        moves.plannerRefusesInput("n-2-plan", "input s3://corpus/n-1/ does not exist or holds no files");
        cluster.reconcile("n-2");
        clock.advance(Duration.ofSeconds(5));
        client.resource(job("n-1", "s3://corpus/raw", "s3://corpus/n-1")).create();
        cluster.reconcile("n-1");
        cluster.reconcile("n-2");
        assertEquals(JobPhase.Pending, cluster.status("n-2").getPhase());
        moves.plannerSucceeds("n-1-plan", 1);
        cluster.reconcile("n-1");
        moves.shardCommits("n-1-work", 0, 10);
        moves.workerStatus("n-1-work", "0", "", 0);
        moves.finish("n-1-work", "Complete", null);
        clock.advance(Duration.ofSeconds(5));
        cluster.reconcile("n-1");
        assertEquals(JobPhase.Succeeded, cluster.status("n-1").getPhase());
        cluster.reconcile("n-2");
        assertEquals(JobPhase.Planning, cluster.status("n-2").getPhase());

        // ... and is refused again (its globs take none of the upstream's files): the upstream had finished before
        // this failure, so it stays Failed, however often it is looked at.
        clock.advance(Duration.ofSeconds(5));
        moves.plannerRefusesInput("n-2-plan", "no file under s3://corpus/n-1/ matches include [\"*.parquet\"]");
        cluster.reconcile("n-2");
        assertEquals(JobPhase.Failed, cluster.status("n-2").getPhase());
        String plannerUid = moves.job("n-2-plan").getMetadata().getUid();
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofSeconds(5));
            cluster.reconcile("n-2");
            assertEquals(JobPhase.Failed, cluster.status("n-2").getPhase());
            assertEquals("PlanningFailed", failed("n-2").getReason());
        }
        assertEquals(plannerUid, moves.job("n-2-plan").getMetadata().getUid(), "the failed planner is kept");

        // A plan refused for the job as written stays Failed, even with an upstream that has not finished.
        client.resource(job("s-2", "s3://corpus/s-1/", "s3://corpus/s-2")).create();
        cluster.reconcile("s-2");
        moves.plannerRefusesJob("s-2-plan", "spec.recipe: the template does not compile");
        cluster.reconcile("s-2");
        assertEquals(JobPhase.Failed, cluster.status("s-2").getPhase());
        clock.advance(Duration.ofSeconds(5));
        client.resource(job("s-1", "s3://corpus/raw", "s3://corpus/s-1")).create();
        cluster.reconcile("s-1");
        cluster.reconcile("s-2");
        assertEquals(JobPhase.Failed, cluster.status("s-2").getPhase());
        assertNotNull(moves.job("s-2-plan"));
    }

    @Test
    void aStageWhosePlannerPodIsGoneStillWaitsAgainWhenItsUpstreamComes() {
        // Refused for its input's state; then the planner's pod goes (its node removed), and later its Job too.
        client.resource(job("g-2", "s3://corpus/g-1/", "s3://corpus/g-2")).create();
        cluster.reconcile("g-2");
        moves.plannerRefusesInput("g-2-plan", "input s3://corpus/g-1/ does not exist or holds no files");
        cluster.reconcile("g-2");
        assertEquals(JobPhase.Failed, cluster.status("g-2").getPhase());
        client.pods()
                .inNamespace(NS)
                .withLabel(RewriteJobNames.ROLE_LABEL, RewriteJobNames.ROLE_PLAN)
                .list()
                .getItems()
                .forEach(p -> client.resource(p).withGracePeriod(0).delete());
        cluster.reconcile("g-2");
        assertEquals(JobPhase.Failed, cluster.status("g-2").getPhase());
        assertTrue(
                failed("g-2").getMessage().contains(PlanRefusals.INPUT_NOT_READY),
                "the status keeps what the planner said: " + failed("g-2").getMessage());

        clock.advance(Duration.ofSeconds(5));
        client.resource(job("g-1", "s3://corpus/raw", "s3://corpus/g-1")).create();
        cluster.reconcile("g-1");
        cluster.reconcile("g-2");
        assertEquals(JobPhase.Pending, cluster.status("g-2").getPhase());
        assertEquals("InputInProgress", ready("g-2").getReason());
        assertNull(moves.job("g-2-plan"), "the failed planner Job is deleted");

        // The same with the planner Job gone as well before the upstream comes.
        client.resource(job("h-2", "s3://corpus/h-1/", "s3://corpus/h-2")).create();
        cluster.reconcile("h-2");
        moves.plannerRefusesInput("h-2-plan", "input s3://corpus/h-1/ does not exist or holds no files");
        cluster.reconcile("h-2");
        assertEquals(JobPhase.Failed, cluster.status("h-2").getPhase());
        client.resource(moves.job("h-2-plan")).delete();
        client
                .pods()
                .inNamespace(NS)
                .withLabel(RewriteJobNames.ROLE_LABEL, RewriteJobNames.ROLE_PLAN)
                .list()
                .getItems()
                .stream()
                .filter(p -> p.getMetadata().getName().startsWith("h-2"))
                .forEach(p -> client.resource(p).withGracePeriod(0).delete());
        cluster.reconcile("h-2");
        assertEquals(JobPhase.Failed, cluster.status("h-2").getPhase());
        clock.advance(Duration.ofSeconds(5));
        client.resource(job("h-1", "s3://corpus/raw", "s3://corpus/h-1")).create();
        cluster.reconcile("h-1");
        cluster.reconcile("h-2");
        assertEquals(JobPhase.Pending, cluster.status("h-2").getPhase());
        cluster.reconcile("h-2");
        assertEquals(JobPhase.Pending, cluster.status("h-2").getPhase());

        // A refusal of the job as written whose pod went stays Failed.
        client.resource(job("k-2", "s3://corpus/k-1/", "s3://corpus/k-2")).create();
        cluster.reconcile("k-2");
        moves.plannerRefusesJob("k-2-plan", "spec.recipe: the template does not compile");
        cluster.reconcile("k-2");
        client
                .pods()
                .inNamespace(NS)
                .withLabel(RewriteJobNames.ROLE_LABEL, RewriteJobNames.ROLE_PLAN)
                .list()
                .getItems()
                .stream()
                .filter(p -> p.getMetadata().getName().startsWith("k-2"))
                .forEach(p -> client.resource(p).withGracePeriod(0).delete());
        cluster.reconcile("k-2");
        clock.advance(Duration.ofSeconds(5));
        client.resource(job("k-1", "s3://corpus/raw", "s3://corpus/k-1")).create();
        cluster.reconcile("k-1");
        cluster.reconcile("k-2");
        assertEquals(JobPhase.Failed, cluster.status("k-2").getPhase());
        assertTrue(
                failed("k-2").getMessage().contains("does not compile"),
                failed("k-2").getMessage());
    }

    @Test
    void theLastPlannerPodsRefusalDecidesWhenAnEarlierOneFailedOtherwise() {
        // The planner's first pod is killed (out of memory, retried), its second refuses the input as not ready.
        client.resource(job("o-2", "s3://corpus/o-1/", "s3://corpus/o-2")).create();
        cluster.reconcile("o-2");
        moves.terminatedPod(moves.job("o-2-plan"), null, 0, false, 137, "OOMKilled", "", false);
        moves.plannerRefusesInput("o-2-plan", "input s3://corpus/o-1/ does not exist or holds no files");
        cluster.reconcile("o-2");
        assertEquals(JobPhase.Failed, cluster.status("o-2").getPhase());
        assertTrue(
                failed("o-2").getMessage().contains(PlanRefusals.INPUT_NOT_READY),
                "the last pod's words: " + failed("o-2").getMessage());
        clock.advance(Duration.ofSeconds(5));
        client.resource(job("o-1", "s3://corpus/raw", "s3://corpus/o-1")).create();
        cluster.reconcile("o-1");
        cluster.reconcile("o-2");
        assertEquals(JobPhase.Pending, cluster.status("o-2").getPhase());
    }

    /** The indexes of the RewriteJobs on the server, as the primary cache keeps them. */
    private SharedOutput.Index serverIndex() {
        List<RewriteJob> all =
                client.resources(RewriteJob.class).inNamespace(NS).list().getItems();
        return (name, key) -> all.stream()
                .filter(j -> switch (name) {
                    case UpstreamInput.BY_INPUT -> key.equals(UpstreamInput.key(j));
                    case UpstreamInput.BY_INPUT_TREE ->
                        UpstreamInput.treeKeys(j).contains(key);
                    case SharedOutput.BY_OUTPUT -> key.equals(SharedOutput.key(j));
                    case SharedOutput.BY_OUTPUT_TREE -> SharedOutput.treeKeys(j).contains(key);
                    default -> throw new IllegalArgumentException(name);
                })
                .toList();
    }

    private io.fabric8.kubernetes.api.model.Condition failed(String name) {
        return ConditionAggregator.find(cluster.status(name).getConditions(), Conditions.FAILED);
    }

    private io.fabric8.kubernetes.api.model.Condition ready(String name) {
        return ConditionAggregator.find(cluster.status(name).getConditions(), Conditions.READY);
    }

    private static RewriteJob job(String name, String input, String output) {
        RewriteJob job = FreshReconciles.job(name, "m");
        job.getSpec().getInput().setUri(input);
        job.getSpec().getOutput().setUri(output);
        return job;
    }
}
