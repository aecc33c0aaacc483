package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.MeterRegistry;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.JobReason;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.v1alpha1.RewriterModel;
import io.palimpsest.operator.PalimpsestConfig;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.operator.job.RewriteJobReconciler;
import io.palimpsest.operator.job.progress.LiveProgress;
import io.palimpsest.operator.metrics.JobMetrics;
import io.palimpsest.operator.metrics.ModelMetrics;
import io.palimpsest.operator.model.ModelEvents;
import io.palimpsest.operator.model.RewriterModelReconciler;
import io.palimpsest.operator.model.autoscale.MetricsScraper;
import io.palimpsest.operator.model.autoscale.ModelObservations;
import io.palimpsest.operator.model.autoscale.RemainingWorkSource;
import io.palimpsest.operator.model.resources.KeylessCallers;
import io.palimpsest.operator.status.ConditionAggregator;
import io.palimpsest.sim.SimConfig;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Deletions in the middle of a campaign, in the simulated cluster with real worker processes, each
 * with the operator running throughout and with the operator restarted across the delete (stopped
 * before the delete is issued, a new instance started once the cluster has acted on it, so the
 * delete is never seen as an event, only as the state it left):
 * <ul>
 * <li>a RewriteJob deleted mid-run: its Jobs, pods and ConfigMap go (garbage collection,
 *     foreground or background), its running workers get SIGTERM and commit the part they were
 *     filling, nothing is written once they are gone; a job with another recipe on the same output
 *     is refused at planning, and a new job with the same recipe reuses every committed shard and
 *     ends with status totals equal to the receipt sums, no document lost or written twice;</li>
 * <li>a RewriterModel deleted while a job is bound: the job says ModelNotFound and holds its
 *     workers at parallelism 0 (stopped by SIGTERM, not charged); the model recreated, it
 *     continues and succeeds with no shard attempt spent;</li>
 * <li>a namespace deleted with a job and its model in it: everything in it goes, the operator
 *     makes no more requests there (no error loop) and keeps no metric series or in-memory state
 *     for the objects that went.</li>
 * </ul>
 * The restarted operator is a new JOSDK {@link Operator} running new RewriteJob and RewriterModel
 * reconcilers wired with the app's beans (as in {@link OperatorRestartScenarioTest}, plus the model
 * controller); the app's own operator is stopped at the first restart and later ones stop the
 * previous instance.
 */
// Several minutes on the shared machine (every worker pod is a JVM): kept out of the default run.
@Tag("slow")
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = FaultyClusterApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class DeletionScenarioTest {

    static final int SHARDS = 12;
    static final int DOCS = 6;
    static final String CLUSTER_AGENT = "simulated-cluster";
    static final String FRESH_AGENT = "palimpsest-operator-restarted";

    @Inject
    KubernetesClient operatorClient;

    @Inject
    Operator quarkusOperator;

    @Inject
    MeterRegistry registry;

    /** The operator instance running now: null while the app's own runs. */
    private static Operator current;

    private static RewriterModelReconciler currentModels;
    private static RewriteJobReconciler currentJobs;
    /** When the last restart's new operator started. */
    private static Instant restartedAt = Instant.EPOCH;

    @AfterAll
    static void stopTheLast() {
        if (current != null) {
            current.stop();
        }
    }

    // ---- a RewriteJob deleted

    @Test
    void aRewriteJobDeletedInTheForegroundLeavesWorkANewJobReuses() throws Exception {
        rewriteJobDeleted("jdel", false);
    }

    @Test
    void aRewriteJobDeletedWhileTheOperatorRestarts() throws Exception {
        rewriteJobDeleted("jdelr", true);
    }

    private void rewriteJobDeleted(String name, boolean restart) throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        try (Scenario s = scenario()) {
            Path input = s.claim("corpus").resolve(name + "-in");
            Path output = input.resolveSibling(name + "-out");
            List<String> ids = SyntheticCorpus.write(input, SHARDS, DOCS, 31);
            s.createOneReplicaModel(name + "-model");
            RewriteJob first = job(s, name, name + "-model", name);
            Instant applied = Instant.now();
            s.client.resource(first).create();
            long seen = awaitSucceededShards(s, name, 3);
            String firstUid = s.job(name).getMetadata().getUid();

            Instant deleted = Instant.now();
            boolean[] heldByForeground = {false};
            if (restart) {
                restart(
                        s,
                        () -> s.client
                                .resources(RewriteJob.class)
                                .inNamespace(Scenario.NS)
                                .withName(name)
                                .delete(),
                        () -> ownedGone(s, name, firstUid));
            } else {
                s.client
                        .resources(RewriteJob.class)
                        .inNamespace(Scenario.NS)
                        .withName(name)
                        .withPropagationPolicy(DeletionPropagation.FOREGROUND)
                        .delete();
                // Foreground: the RewriteJob stays, marked, until its Jobs (and their pods) are gone.
                RewriteJob marked = s.job(name);
                heldByForeground[0] = marked != null && marked.getMetadata().getDeletionTimestamp() != null;
            }
            awaitOrDump(s, () -> ownedGone(s, name, firstUid));
            double goneAfter = Scenario.seconds(deleted, Instant.now());
            if (!restart) {
                assertTrue(
                        heldByForeground[0], "a foreground delete keeps the RewriteJob until its dependents are gone");
            }

            // Its running workers were stopped by SIGTERM and ended on it (143) or had just finished (0); none was
            // SIGKILLed.
            Map<String, Integer> exits = exitsAfter(s, name + "-work-", deleted);
            List<String> terminated = s
                    .cluster
                    .events()
                    .matching(e -> e.source().equals("kubelet")
                            && e.object().startsWith(Scenario.NS + "/" + name + "-work-")
                            && e.message().equals("SIGTERM")
                            && !e.at().isBefore(deleted))
                    .stream()
                    .map(EventLog.Entry::object)
                    .toList();
            assertFalse(terminated.isEmpty(), "running workers got SIGTERM: " + exits);
            for (String pod : terminated) {
                Integer code = exits.get(pod);
                assertTrue(
                        code != null && (code == 143 || code == 0),
                        pod + " ended " + code + " after SIGTERM (143: committed and stopped)");
            }

            // Nothing is written once its pods are gone.
            Map<String, Long> stored = files(output);
            Thread.sleep(3000);
            assertEquals(
                    stored, files(output), "no file written or changed under the output after the deletion finished");

            // What stays: receipts of committed shards, each consistent and of this job and recipe; checkpoint parts of
            // the others.
            List<JsonNode> receipts = receipts(output);
            String recipeHash = receipts.isEmpty()
                    ? null
                    : receipts.get(0).path("recipeHash").asText();
            for (JsonNode r : receipts) {
                JsonNode c = r.path("counts");
                assertEquals(
                        c.path("read").asLong(),
                        c.path("written").asLong()
                                + c.path("rejected").asLong()
                                + c.path("skipped").asLong(),
                        "read = written + rejected + skipped: " + r);
                assertEquals(firstUid, r.path("jobUid").asText(), "committed by the deleted job");
                assertEquals(recipeHash, r.path("recipeHash").asText());
            }
            long committedBefore = receipts.size();
            long checkpointed = countFiles(output.resolve("_palimpsest").resolve("checkpoints"));
            assertTrue(
                    committedBefore >= seen && committedBefore < SHARDS,
                    "committed " + committedBefore + " of " + SHARDS);

            // Another recipe on the same output: refused at planning, nothing written.
            RewriteJob other = job(s, name + "-other", name + "-model", name);
            other.getSpec().getRecipe().getPrompts().get(0).getSampling().setMaxTokens(128);
            s.client.resource(other).create();
            RewriteJob refused = s.awaitPhase(name + "-other", JobPhase.Failed, Duration.ofSeconds(120));
            var failed = ConditionAggregator.find(refused.getStatus().getConditions(), Conditions.FAILED);
            assertEquals(JobReason.PlanningFailed.name(), failed.getReason(), failed.toString());
            assertTrue(failed.getMessage().contains("recipe drift"), failed.getMessage());
            assertEquals(stored, files(output), "the refused job wrote nothing");
            s.client.resource(refused).delete();
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> s.job(name + "-other") == null
                            && s.client.pods().inNamespace(Scenario.NS).list().getItems().stream()
                                    .noneMatch(p -> p.getMetadata().getName().startsWith(name + "-other-")));

            // The same recipe on the same output: committed shards are taken as done, the rest resume.
            Instant again = Instant.now();
            s.client.resource(job(s, name + "-again", name + "-model", name)).create();
            RewriteJob done = s.awaitPhase(name + "-again", JobPhase.Succeeded, Duration.ofSeconds(300));
            RewriteJobStatus st = done.getStatus();
            ReceiptTotals totals = ReceiptTotals.of(output);
            totals.assertStatusOf(st, SHARDS, (long) SHARDS * DOCS);
            long keptReceipts = receipts(output).stream()
                    .filter(r -> firstUid.equals(r.path("jobUid").asText()))
                    .count();
            assertEquals(committedBefore, keptReceipts, "every shard the deleted job committed is reused, none redone");
            OutputIds docs = OutputIds.of(output, ids);
            assertEquals(List.of(), docs.lost(), "lost documents");
            assertEquals(List.of(), docs.duplicated(), "documents written twice");

            System.out.printf(
                    "[figures] %s (%s): deleted at %d/%d shards seen (%.1f s after apply); its Jobs, pods and ConfigMap gone "
                            + "%.1f s after the delete; %d worker(s) SIGTERMed, exits %s; kept %d receipts and %d checkpoint file(s); "
                            + "another recipe refused (recipe drift); the new job reused %d committed shards and finished the rest in %.1f s; "
                            + "status = receipts: %d shards, %d read, %d written; 0 lost, 0 duplicated%n",
                    name,
                    restart ? "background delete, operator restarted across it" : "foreground delete",
                    seen,
                    SHARDS,
                    Scenario.seconds(applied, deleted),
                    goneAfter,
                    terminated.size(),
                    exits,
                    committedBefore,
                    checkpointed,
                    keptReceipts,
                    Scenario.seconds(again, Instant.now()),
                    totals.shards(),
                    totals.read(),
                    totals.written());
        }
    }

    /**
     * What a GitOps tool does to a campaign: the RewriteJob pruned mid-run, then applied again under its name. Its
     * model loses the bound job and goes back to replicas.min after the scale-down window (the job is gone: nothing
     * bound is left to wait for), not after idle-to-zero; the same name with another recipe or another input on the
     * same output is refused at planning and writes nothing; the same spec again resumes from the committed shards.
     */
    @Test
    void aRewriteJobPrunedAndAppliedAgainUnderItsName() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        String name = "jsame";
        try (Scenario s = scenario()) {
            Path input = s.claim("corpus").resolve(name + "-in");
            Path output = input.resolveSibling(name + "-out");
            List<String> ids = SyntheticCorpus.write(input, SHARDS, DOCS, 41);
            SyntheticCorpus.write(input.resolveSibling(name + "-in2"), SHARDS, DOCS, 43);
            String model = name + "-model";
            RewriterModel m = s.modelLike(model, 1, 600);
            m.getSpec().getReplicas().setMax(1);
            m.getSpec().getAutoscaling().setScaleDownStabilizationSeconds(4);
            s.client.resource(m).create();
            s.client.resource(job(s, name, model, name)).create();
            awaitSucceededShards(s, name, 3);
            String firstUid = s.job(name).getMetadata().getUid();
            assertEquals(1, boundJobs(s, model), "the running job is bound to its model");

            Instant deleted = Instant.now();
            s.client
                    .resources(RewriteJob.class)
                    .inNamespace(Scenario.NS)
                    .withName(name)
                    .delete();
            awaitOrDump(s, () -> ownedGone(s, name, firstUid));

            // The model: no bound job, and back to replicas.min (0) after the 4 s window, well before idle-to-zero.
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> boundJobs(s, model) == 0);
            RewriterModel idle = await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200))
                    .until(
                            () -> s.model(model),
                            r -> r.getStatus() != null
                                    && Integer.valueOf(0).equals(r.getStatus().getDesiredReplicas()));
            double toMin = Scenario.seconds(deleted, Instant.now());
            List<String> scaleReasons = s.client.v1().events().inNamespace(Scenario.NS).list().getItems().stream()
                    .filter(e -> model.equals(e.getInvolvedObject().getName())
                            && "Scaled".equals(e.getReason())
                            && e.getMessage().contains(" to 0 replicas"))
                    .map(io.fabric8.kubernetes.api.model.Event::getMessage)
                    .toList();
            assertTrue(
                    scaleReasons.stream().anyMatch(r -> r.contains("(JobsDone")),
                    "went to min as its jobs were done: " + scaleReasons);
            assertTrue(toMin < 120, "to min " + toMin + " s after the delete: " + idle.getStatus());

            Map<String, Long> stored = files(output);
            long committedBefore = receipts(output).size();
            assertTrue(committedBefore >= 3 && committedBefore < SHARDS, "committed " + committedBefore);

            // The same name with another recipe, then with another input: refused at planning, nothing written.
            RewriteJob otherRecipe = job(s, name, model, name);
            otherRecipe.getSpec().getRecipe().getPrompts().get(0).getSampling().setMaxTokens(128);
            RewriteJob otherInput = job(s, name, model, name);
            otherInput.getSpec().getInput().setUri("pvc://corpus/" + name + "-in2/");
            for (Object[] refusal : new Object[][] {{otherRecipe, "recipe drift"}, {otherInput, "input drift"}}) {
                s.client.resource((RewriteJob) refusal[0]).create();
                RewriteJob refused = s.awaitPhase(name, JobPhase.Failed, Duration.ofSeconds(120));
                var failed = ConditionAggregator.find(refused.getStatus().getConditions(), Conditions.FAILED);
                assertEquals(JobReason.PlanningFailed.name(), failed.getReason(), failed.toString());
                assertTrue(failed.getMessage().contains((String) refusal[1]), failed.getMessage());
                assertEquals(stored, files(output), "the refused job wrote nothing");
                String uid = refused.getMetadata().getUid();
                s.client.resource(refused).delete();
                awaitOrDump(s, () -> ownedGone(s, name, uid));
            }

            // The same spec again: the committed shards are taken as done, the rest resume.
            s.client.resource(job(s, name, model, name)).create();
            RewriteJob done = s.awaitPhase(name, JobPhase.Succeeded, Duration.ofSeconds(300));
            ReceiptTotals totals = ReceiptTotals.of(output);
            totals.assertStatusOf(done.getStatus(), SHARDS, (long) SHARDS * DOCS);
            long keptReceipts = receipts(output).stream()
                    .filter(r -> firstUid.equals(r.path("jobUid").asText()))
                    .count();
            assertEquals(committedBefore, keptReceipts, "every shard the pruned job committed is reused, none redone");
            OutputIds docs = OutputIds.of(output, ids);
            assertEquals(List.of(), docs.lost(), "lost documents");
            assertEquals(List.of(), docs.duplicated(), "documents written twice");
            System.out.printf(
                    "[figures] %s: pruned with %d/%d shards committed; model unbound and at min %.1f s after the "
                            + "delete (%s); another recipe and another input under the name refused; applied again, "
                            + "it reused %d shards and succeeded: 0 lost, 0 duplicated%n",
                    name, committedBefore, SHARDS, toMin, scaleReasons, keptReceipts);
        }
    }

    private static int boundJobs(Scenario s, String model) {
        RewriterModel m = s.model(model);
        return m == null || m.getStatus() == null || m.getStatus().getBoundJobs() == null
                ? 0
                : m.getStatus().getBoundJobs().getCount() == null
                        ? 0
                        : m.getStatus().getBoundJobs().getCount();
    }

    /** The RewriteJob and everything it owned are gone. */
    private static boolean ownedGone(Scenario s, String name, String uid) {
        return s.job(name) == null
                && s.client
                        .batch()
                        .v1()
                        .jobs()
                        .inNamespace(Scenario.NS)
                        .withLabel(RewriteJobNames.JOB_LABEL, name)
                        .list()
                        .getItems()
                        .isEmpty()
                && s.client.pods().inNamespace(Scenario.NS).list().getItems().stream()
                        .noneMatch(p -> Stream.of("-plan-", "-work-", "-tally-")
                                .anyMatch(role -> p.getMetadata().getName().startsWith(name + role)))
                && s.client.configMaps().inNamespace(Scenario.NS).list().getItems().stream()
                        .noneMatch(c -> c.getMetadata().getOwnerReferences() != null
                                && c.getMetadata().getOwnerReferences().stream().anyMatch(o -> uid.equals(o.getUid())));
    }

    // ---- a RewriterModel deleted

    @Test
    void aRewriterModelDeletedWhileAJobIsBound() throws Exception {
        modelDeleted("mdel", false);
    }

    @Test
    void aRewriterModelDeletedWhileTheOperatorRestarts() throws Exception {
        modelDeleted("mdelr", true);
    }

    private void modelDeleted(String name, boolean restart) throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        try (Scenario s = scenario()) {
            Path input = s.claim("corpus").resolve(name + "-in");
            Path output = input.resolveSibling(name + "-out");
            List<String> ids = SyntheticCorpus.write(input, SHARDS, DOCS, 37);
            String model = name + "-model";
            s.createOneReplicaModel(model);
            s.client.resource(job(s, name, model, name)).create();
            long seen = awaitSucceededShards(s, name, 3);

            Instant deleted = Instant.now();
            if (restart) {
                restart(
                        s,
                        () -> s.client
                                .resources(RewriterModel.class)
                                .inNamespace(Scenario.NS)
                                .withName(model)
                                .delete(),
                        () -> s.model(model) == null);
            } else {
                s.client
                        .resources(RewriterModel.class)
                        .inNamespace(Scenario.NS)
                        .withName(model)
                        .delete();
            }
            RewriteJob waiting = await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(
                            () -> s.job(name),
                            j -> j.getStatus() != null
                                    && "ModelNotFound"
                                            .equals(ConditionAggregator.find(
                                                            j.getStatus().getConditions(), Conditions.READY)
                                                    .getReason()));
            var ready = ConditionAggregator.find(waiting.getStatus().getConditions(), Conditions.READY);
            assertEquals(JobPhase.Running, waiting.getStatus().getPhase());
            assertEquals("False", ready.getStatus());
            assertTrue(ready.getMessage().contains(model), ready.getMessage());
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        Job worker = s.client
                                .batch()
                                .v1()
                                .jobs()
                                .inNamespace(Scenario.NS)
                                .withName(name + "-work")
                                .get();
                        return worker != null
                                && worker.getSpec().getParallelism() == 0
                                && s.cluster.kubelet().runningPods().stream()
                                        .noneMatch(p -> p.contains("/" + name + "-work-"));
                    });
            double heldAfter = Scenario.seconds(deleted, Instant.now());
            long succeededWhileGone = s.job(name).getStatus().getShards().getSucceeded();
            // While the model is gone no worker starts: no attempt is spent on a model that is not there.
            Instant held = Instant.now();
            Thread.sleep(4000);
            assertEquals(
                    List.of(),
                    s.cluster
                            .events()
                            .matching(e -> e.source().equals("kubelet")
                                    && e.at().isAfter(held)
                                    && e.object().startsWith(Scenario.NS + "/" + name + "-work-")
                                    && e.message().startsWith("started")),
                    "no worker started while the model is gone");

            Instant recreated = Instant.now();
            s.createOneReplicaModel(model);
            RewriteJob done = s.awaitPhase(name, JobPhase.Succeeded, Duration.ofSeconds(300));
            RewriteJobStatus st = done.getStatus();
            ReceiptTotals totals = ReceiptTotals.of(output);
            totals.assertStatusOf(st, SHARDS, (long) SHARDS * DOCS);
            OutputIds docs = OutputIds.of(output, ids);
            assertEquals(List.of(), docs.lost(), "lost documents");
            assertEquals(List.of(), docs.duplicated(), "documents written twice");
            // No shard attempt was charged while an operator ran: every worker ended 0 (done) or 143 (stopped by the
            // scale-in to 0). With the operator down nobody holds the workers: those that met the missing model
            // meanwhile ended 75 (model unreachable, the outage budget), which fails no shard.
            Map<String, Integer> exits = exitsAfter(s, name + "-work-", restart ? restartedAt : Instant.EPOCH);
            assertTrue(exits.values().stream().allMatch(c -> c == 0 || c == 143), "worker exits " + exits);
            assertEquals(0, st.getShards().getFailed(), "no shard failed");
            if (!restart) {
                assertTrue(
                        st.getRecentFailures() == null || st.getRecentFailures().isEmpty(),
                        "no failure listed: " + st.getRecentFailures());
            }
            long stopped = exits.values().stream().filter(c -> c == 143).count();
            long outageExits = exitsAfter(s, name + "-work-", Instant.EPOCH).values().stream()
                    .filter(c -> c == 75)
                    .count();

            System.out.printf(
                    "[figures] %s (%s): model deleted at %d/%d shards; ModelNotFound and workers held at 0 %.1f s after "
                            + "(%d shards committed by then, %d workers stopped by SIGTERM, none charged; %d outage exits while no operator "
                            + "ran); model recreated, job Succeeded %.1f s later; status = receipts: %d shards, %d read, %d written; "
                            + "0 lost, 0 duplicated%n",
                    name,
                    restart ? "operator restarted across the delete" : "operator running",
                    seen,
                    SHARDS,
                    heldAfter,
                    succeededWhileGone,
                    stopped,
                    outageExits,
                    Scenario.seconds(recreated, Instant.now()),
                    totals.shards(),
                    totals.read(),
                    totals.written());
        }
    }

    // ---- a namespace deleted

    @Test
    void aNamespaceDeletedWithAJobAndItsModel() throws Exception {
        namespaceDeleted("gone", false);
    }

    @Test
    void aNamespaceDeletedWhileTheOperatorRestarts() throws Exception {
        namespaceDeleted("goner", true);
    }

    private void namespaceDeleted(String ns, boolean restart) throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        FaultyApiServer api = FaultyClusterApiServer.layer();
        Predicate<FaultyApiServer.Call> operatorInNs =
                c -> !c.agent().contains(CLUSTER_AGENT) && ns.equals(c.namespace());
        try (Scenario s = scenario()) {
            s.client
                    .namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(ns)
                            .endMetadata()
                            .build())
                    .create();
            s.client
                    .persistentVolumeClaims()
                    .inNamespace(ns)
                    .resource(new PersistentVolumeClaimBuilder()
                            .withNewMetadata()
                            .withName("corpus")
                            .endMetadata()
                            .withNewSpec()
                            .withAccessModes("ReadWriteMany")
                            .withNewResources()
                            .addToRequests("storage", new Quantity("10Gi"))
                            .endResources()
                            .endSpec()
                            .build())
                    .create();
            Path input = Files.createDirectories(s.work.resolve("cluster")
                            .resolve("volumes")
                            .resolve(ns)
                            .resolve("corpus"))
                    .resolve("in");
            SyntheticCorpus.write(input, SHARDS, DOCS, 41);
            RewriterModel model = s.load(RewriterModel.class, Path.of("../examples/quickstart/model.yaml"));
            model.getMetadata().setName("ns-model");
            model.getMetadata().setNamespace(ns);
            model.getSpec().getAutoscaling().setPeriodSeconds(1);
            model.getSpec().getAutoscaling().setIdleToZeroSeconds(30);
            s.client.resource(model).create();
            RewriteJob job = s.smallJob("nsjob", "ns-model", "pvc://corpus/in/", "pvc://corpus/out/");
            job.getMetadata().setNamespace(ns);
            job.getSpec().getWorkers().setParallelism(new IntOrString(3));
            s.client.resource(job).create();
            await().atMost(Duration.ofSeconds(240))
                    .pollInterval(Duration.ofMillis(200))
                    .until(
                            () -> s.client
                                    .resources(RewriteJob.class)
                                    .inNamespace(ns)
                                    .withName("nsjob")
                                    .get(),
                            j -> j != null
                                    && j.getStatus() != null
                                    && j.getStatus().getShards() != null
                                    && j.getStatus().getShards().getSucceeded() >= 3);
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> !state(ns).isEmpty());
            Map<String, Integer> stateBefore = state(ns);
            int seriesBefore = series(ns);

            Instant deleted = Instant.now();
            int requestsBefore = api.calls(operatorInNs).size();
            if (restart) {
                restart(
                        s,
                        () -> s.client.namespaces().withName(ns).delete(),
                        () -> s.client.namespaces().withName(ns).get() == null);
            } else {
                s.client.namespaces().withName(ns).delete();
            }
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> s.client.namespaces().withName(ns).get() == null);
            double goneAfter = Scenario.seconds(deleted, Instant.now());
            assertTrue(s.client.pods().inNamespace(ns).list().getItems().isEmpty());
            assertTrue(s.client
                    .batch()
                    .v1()
                    .jobs()
                    .inNamespace(ns)
                    .list()
                    .getItems()
                    .isEmpty());
            List<FaultyApiServer.Call> during = api.calls(operatorInNs);
            during = during.subList(requestsBefore, during.size());
            long refused = during.stream().filter(c -> c.code() >= 400).count();

            // Settled: no request from the operator into the gone namespace, no state or series kept for what was
            // there.
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> state(ns).isEmpty() && series(ns) == 0);
            Instant quiet = Instant.now();
            Thread.sleep(5000);
            List<FaultyApiServer.Call> after = api.calls(operatorInNs.and(c -> c.at().isAfter(quiet)));
            assertEquals(
                    List.of(),
                    after.stream()
                            .map(c -> c.verb() + " " + c.rbacResource() + " " + c.code())
                            .toList(),
                    "the operator left the gone namespace alone");
            assertEquals(Map.of(), state(ns));
            assertEquals(0, series(ns));

            System.out.printf(
                    "[figures] namespace %s deleted (%s) at >= 3/%d shards: gone %.1f s after the delete; the operator made "
                            + "%d request(s) there meanwhile, %d refused (%s); none in the 5 s after; in-memory entries before %s, after none; "
                            + "metric series before %d, after 0%n",
                    ns,
                    restart ? "operator restarted across it" : "operator running",
                    SHARDS,
                    goneAfter,
                    during.size(),
                    refused,
                    during.stream()
                            .filter(c -> c.code() >= 400)
                            .map(c -> c.verb() + " " + c.rbacResource() + " " + c.code())
                            .distinct()
                            .toList(),
                    stateBefore,
                    seriesBefore);
        }
    }

    /** Entries naming an object of {@code ns} in the operator's in-memory maps keyed by ResourceID, by map. */
    private Map<String, Integer> state(String ns) throws Exception {
        Map<String, Integer> found = new TreeMap<>();
        List<Object> holders = new ArrayList<>(List.of(
                bean(JobMetrics.class),
                bean(ModelMetrics.class),
                bean(ModelObservations.class),
                bean(MetricsScraper.class),
                bean(LiveProgress.class)));
        RewriterModelReconciler models = currentModels != null ? currentModels : bean(RewriterModelReconciler.class);
        holders.add(models);
        holders.add(currentJobs != null ? currentJobs : bean(RewriteJobReconciler.class));
        for (Object holder : holders) {
            for (Field f : holder.getClass().getDeclaredFields()) {
                if (!Map.class.isAssignableFrom(f.getType()) || Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                f.setAccessible(true);
                Map<?, ?> map = (Map<?, ?>) f.get(holder);
                long n = map.keySet().stream()
                        .filter(k -> k instanceof ResourceID id
                                && id.getNamespace().map(ns::equals).orElse(false))
                        .count();
                if (n > 0) {
                    found.put(holder.getClass().getSimpleName() + "." + f.getName(), (int) n);
                }
            }
        }
        return found;
    }

    /** Metric series tagged with {@code ns}. */
    private int series(String ns) {
        return (int) registry.getMeters().stream()
                .filter(m -> ns.equals(m.getId().getTag("namespace")))
                .count();
    }

    private static <T> T bean(Class<T> type) {
        return ClientProxy.unwrap(Arc.container().instance(type).get());
    }

    // ---- helpers

    private Scenario scenario() throws Exception {
        KubernetesClient clusterClient = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(operatorClient.getConfiguration())
                        .withUserAgent(CLUSTER_AGENT)
                        .build())
                .build();
        Scenario s = new Scenario(
                clusterClient,
                PalimpsestWorkerProgram.Mode.SUBPROCESS,
                () -> SimConfig.builder().startupDelay(Duration.ofMillis(500)).decodeStepBaseSeconds(0.01),
                SimulatedCluster.Builder::namespaceLifecycle);
        // The worker's 20 s under the 30 s grace, scaled as the grace is (1.5 s): a worker stopped while
        // its model is gone gives up its in-flight part in time and exits 143 instead of being SIGKILLed.
        s.workers.stopWithin(Duration.ofMillis(Math.round(20_000 * Scenario.TIME_SCALE)));
        return s;
    }

    /** The quickstart job over {@code <prefix>-in}, writing {@code <prefix>-out}, three workers. */
    private static RewriteJob job(Scenario s, String name, String model, String prefix) throws Exception {
        RewriteJob job = s.smallJob(name, model, "pvc://corpus/" + prefix + "-in/", "pvc://corpus/" + prefix + "-out/");
        job.getSpec().getWorkers().setParallelism(new IntOrString(3));
        return job;
    }

    /**
     * Stops the running operator, issues {@code delete}, waits until the cluster has acted on it
     * ({@code done}), then starts a new operator: the delete is never seen as it happens.
     */
    private void restart(Scenario s, Runnable delete, Callable<Boolean> done) throws Exception {
        if (current == null) {
            quarkusOperator.stop();
        } else {
            current.stop();
        }
        try {
            delete.run();
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(200))
                    .until(done);
            Thread.sleep(1000);
        } catch (RuntimeException e) {
            System.out.println(
                    "---- events of the last 60 s\n" + s.cluster.events().dump(Duration.ofSeconds(60)));
            throw e;
        } finally {
            current = freshOperator(operatorClient);
            restartedAt = Instant.now();
        }
    }

    /** A new JOSDK operator with new RewriteJob and RewriterModel reconcilers wired like the app's. */
    private static Operator freshOperator(KubernetesClient like) throws Exception {
        KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(like.getConfiguration())
                        .withUserAgent(FRESH_AGENT)
                        .build())
                .build();
        Operator operator = new Operator(o -> o.withKubernetesClient(client)
                .withCloseClientOnStop(true)
                .withUseSSAToPatchPrimaryResource(false)
                .withSSABasedCreateUpdateMatchForDependentResources(false));
        RewriteJobReconciler jobs = Scenario.freshJobReconciler();
        RewriterModelReconciler models = new RewriterModelReconciler(
                bean(PalimpsestConfig.class),
                bean(MetricsScraper.class),
                bean(ModelObservations.class),
                bean(RemainingWorkSource.class),
                bean(ConditionAggregator.class),
                bean(ModelEvents.class),
                bean(ModelMetrics.class),
                bean(KeylessCallers.class),
                bean(Clock.class));
        operator.register(jobs);
        operator.register(models);
        operator.start();
        currentModels = models;
        currentJobs = jobs;
        return operator;
    }

    private static void awaitOrDump(Scenario s, Callable<Boolean> done) {
        try {
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(200))
                    .until(done);
        } catch (RuntimeException e) {
            System.out.println(
                    "---- events of the last 60 s\n" + s.cluster.events().dump(Duration.ofSeconds(60)));
            throw e;
        }
    }

    private static long awaitSucceededShards(Scenario s, String name, int atLeast) {
        return await().atMost(Duration.ofSeconds(240))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> s.job(name),
                        r -> r != null
                                && r.getStatus() != null
                                && r.getStatus().getShards() != null
                                && r.getStatus().getShards().getSucceeded() >= atLeast)
                .getStatus()
                .getShards()
                .getSucceeded();
    }

    /** Exit codes the kubelet reported for pods named {@code prefix...}, from {@code since}. */
    private static Map<String, Integer> exitsAfter(Scenario s, String prefix, Instant since) {
        Map<String, Integer> exits = new TreeMap<>();
        for (EventLog.Entry e : s.cluster
                .events()
                .matching(e -> e.source().equals("kubelet")
                        && e.object().startsWith(Scenario.NS + "/" + prefix)
                        && e.message().startsWith("exited ")
                        && !e.at().isBefore(since))) {
            exits.put(
                    e.object(),
                    Integer.parseInt(e.message().substring("exited ".length()).split(" ")[0]));
        }
        return exits;
    }

    /** Every file under {@code dir} with its size. */
    private static Map<String, Long> files(Path dir) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), Files.size(p));
            }
        }
        return out;
    }

    private static long countFiles(Path dir) throws Exception {
        return files(dir).size();
    }

    private static List<JsonNode> receipts(Path output) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        Path dir = output.resolve("_palimpsest").resolve("receipts");
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                out.add(json.readTree(f.toFile()));
            }
        }
        return out;
    }
}
