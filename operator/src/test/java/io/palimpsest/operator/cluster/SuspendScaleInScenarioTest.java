package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriteJobStatus;
import io.palimpsest.api.worker.ExitCodes;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.sim.SimConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A campaign suspended and resumed, then scaled in, mid-run, with real worker processes: the Job
 * controller deletes running pods (suspend: all of them; scale-in: the least settled first), each
 * gets SIGTERM, commits the part it was filling and exits 143, and its shard resumes later from its
 * checkpoints. Every document ends up in the output exactly once, every shard is committed, and
 * no shard is charged more attempts than {@code attemptsPerShard}: a pod stopped by the controller
 * is not a failed attempt, in the Job's count or in the operator's.
 */
@Tag("slow")
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = ValidatingApiServer.class)
@TestProfile(SimulatedClusterProfile.class)
class SuspendScaleInScenarioTest {

    static final int SHARDS = 40;
    static final int DOCS = 6;
    static final int ATTEMPTS = 2;

    @Inject
    KubernetesClient operatorClient;

    @Test
    void suspendResumeAndScaleInLoseAndDuplicateNothing() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient),
                PalimpsestWorkerProgram.Mode.SUBPROCESS,
                () -> SimConfig.builder().startupDelay(Duration.ofSeconds(1)).decodeStepBaseSeconds(0.01))) {
            Path input = s.claim("corpus").resolve("ssi-in");
            List<String> ids = SyntheticCorpus.write(input, SHARDS, DOCS, 5);
            s.createModel("ssi-model", 2, 30);
            RewriteJob job = s.smallJob("ssi", "ssi-model", "pvc://corpus/ssi-in/", "pvc://corpus/ssi-out/");
            job.getSpec().getWorkers().setParallelism(new IntOrString(6));
            job.getSpec().getRetry().setAttemptsPerShard(ATTEMPTS);
            Instant applied = Instant.now();
            s.client.resource(job).create();

            // Every worker pod's end, as the kubelet reported it (pods are deleted on the way).
            Map<String, Pod> ended = new ConcurrentHashMap<>();
            Thread watcher = new Thread(
                    () -> {
                        while (!Thread.currentThread().isInterrupted()) {
                            for (Pod p : PoisonShardScenarioTest.workerPods(s, "ssi")) {
                                if (p.getStatus() != null
                                        && ("Failed".equals(p.getStatus().getPhase())
                                                || "Succeeded"
                                                        .equals(p.getStatus().getPhase()))) {
                                    ended.putIfAbsent(p.getMetadata().getName(), p);
                                }
                            }
                            try {
                                Thread.sleep(100);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "pod-ends");
            watcher.setDaemon(true);
            watcher.start();

            awaitSucceeded(s, 6);
            edit(s, j -> j.getSpec().setSuspend(true));
            s.awaitPhase("ssi", JobPhase.Suspended, Duration.ofMinutes(2));
            await().atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> s.cluster.kubelet().runningPods().stream().noneMatch(p -> p.contains("/ssi-work-")));
            edit(s, j -> j.getSpec().setSuspend(false));
            awaitSucceeded(s, 20);
            edit(s, j -> j.getSpec().getWorkers().setParallelism(new IntOrString(2)));
            await().atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        Job worker = s.client
                                .batch()
                                .v1()
                                .jobs()
                                .inNamespace(Scenario.NS)
                                .withName("ssi-work")
                                .get();
                        return worker != null && worker.getSpec().getParallelism() == 2;
                    });
            RewriteJob done = s.awaitPhase("ssi", JobPhase.Succeeded, Duration.ofMinutes(15));
            double seconds = Scenario.seconds(applied, Instant.now());
            watcher.interrupt();
            RewriteJobStatus st = done.getStatus();

            Map<String, Integer> seen = new HashMap<>();
            ObjectMapper json = new ObjectMapper();
            try (Stream<Path> files = Files.walk(input.resolveSibling("ssi-out").resolve("wiki"))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                    for (String line : Files.readAllLines(f)) {
                        JsonNode record = json.readTree(line);
                        seen.merge(
                                record.path("provenance")
                                        .path("sourceId")
                                        .asText(record.path("id").asText()),
                                1,
                                Integer::sum);
                    }
                }
            }
            List<String> lost = new ArrayList<>(ids);
            lost.removeAll(seen.keySet());
            long duplicated = seen.values().stream().filter(n -> n > 1).count();

            // Attempts charged per shard: pods that failed other than by SIGTERM from a deletion or a disruption.
            Map<String, Integer> charged = new HashMap<>();
            int terminated = 0;
            for (Pod p : ended.values()) {
                String shard = p.getMetadata().getAnnotations().get(RewriteJobNames.COMPLETION_INDEX);
                var state =
                        p.getStatus().getContainerStatuses().get(0).getState().getTerminated();
                if ("Succeeded".equals(p.getStatus().getPhase())) {
                    continue;
                }
                if (state != null && state.getExitCode() == 143) {
                    terminated++;
                    continue;
                }
                charged.merge(shard, 1, Integer::sum);
            }

            assertEquals(List.of(), lost, "lost documents");
            assertEquals(0, duplicated, "duplicated documents");
            assertEquals(SHARDS, st.getShards().getSucceeded());
            assertEquals(ids.size(), st.getDocuments().getWritten());
            assertTrue(terminated > 0, "suspend and scale-in stopped running workers with SIGTERM");
            assertTrue(
                    charged.values().stream().allMatch(n -> n <= ATTEMPTS), "attempts charged per shard: " + charged);
            assertTrue(
                    st.getRecentFailures().stream().allMatch(f -> f.getAttempt() < ATTEMPTS),
                    "the operator's attempt numbers stay inside attemptsPerShard: " + st.getRecentFailures());
            System.out.printf(
                    "[figures] suspend/resume + scale-in 6 -> 2: %d shards, %d documents, 0 lost, 0 duplicated; "
                            + "%d workers stopped by SIGTERM (exit 143), attempts charged %s; apply -> Succeeded %.0f s (loaded machine)%n",
                    SHARDS, ids.size(), terminated, charged, seconds);
        }
    }

    /**
     * The hard cap through a suspend: with {@code attemptsPerShard: 2}, shard 0's worker is
     * SIGKILLed (charged failure 1), its replacement is running with the Job controller's count 1
     * when the job is suspended, which deletes that pod and the count with it: after the resume the
     * Job controller starts the index from 0 again and, left alone, would allow it
     * {@code backoffLimitPerIndex} (1 + 4 outage retries) more failures. That pod is SIGKILLed too
     * (charged failure 2, as the operator counts); the next one reads the operator's ledger, runs
     * nothing, exits 43 and the Job fails the index. The other shards commit.
     */
    @Test
    void attemptsStopAtTheCapThroughASuspend() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient),
                PalimpsestWorkerProgram.Mode.SUBPROCESS,
                () -> SimConfig.builder().startupDelay(Duration.ofSeconds(1)).decodeStepBaseSeconds(0.01))) {
            Path input = s.claim("corpus").resolve("cap-in");
            SyntheticCorpus.write(input, 3, DOCS, 11);
            s.createModel("cap-model", 2, 30);
            RewriteJob job = s.smallJob("cap", "cap-model", "pvc://corpus/cap-in/", "pvc://corpus/cap-out/");
            job.getSpec().getWorkers().setParallelism(new IntOrString(3));
            job.getSpec().getRetry().setAttemptsPerShard(ATTEMPTS);
            s.client.resource(job).create();

            Map<String, Pod> ended = watchEnds(s, "cap");
            Set<String> seen = new HashSet<>();
            kill(s, awaitRunning(s, "cap", "0", "0", seen));
            Pod replacement = awaitRunning(s, "cap", "0", "1", seen);
            edit(s, "cap", j -> j.getSpec().setSuspend(true));
            s.awaitPhase("cap", JobPhase.Suspended, Duration.ofMinutes(2));
            await().atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> s.client
                                    .pods()
                                    .inNamespace(Scenario.NS)
                                    .withName(replacement.getMetadata().getName())
                                    .get()
                            == null);
            edit(s, "cap", j -> j.getSpec().setSuspend(false));
            Pod afterResume = awaitRunning(s, "cap", "0", null, seen);
            String jobsCount = afterResume.getMetadata().getAnnotations().get(RewriteJobNames.INDEX_FAILURE_COUNT);
            kill(s, afterResume);

            RewriteJob done;
            try {
                done = await().atMost(Duration.ofMinutes(3))
                        .pollInterval(Duration.ofMillis(300))
                        .until(
                                () -> s.job("cap"),
                                j -> j != null
                                        && j.getStatus() != null
                                        && j.getStatus().getPhase() != null
                                        && j.getStatus().getPhase().isTerminal());
            } catch (RuntimeException e) {
                System.out.println(
                        "---- events of the last 200 s\n" + s.cluster.events().dump(Duration.ofSeconds(200)));
                System.out.println("---- ledger "
                        + s
                                .client
                                .configMaps()
                                .inNamespace(Scenario.NS)
                                .withLabel(RewriteJobNames.JOB_LABEL, "cap")
                                .list()
                                .getItems()
                                .stream()
                                .map(c -> c.getData().get("attempts.json"))
                                .toList());
                throw e;
            }
            RewriteJobStatus st = done.getStatus();
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> ended.values().stream().anyMatch(p -> exitCode(p) == ExitCodes.ATTEMPTS_EXHAUSTED));
            System.out.println("---- final status\n"
                    + s.client.getKubernetesSerialization().asYaml(st));

            Map<Integer, List<String>> exits = new TreeMap<>();
            ended.values().stream()
                    .sorted(Comparator.comparing(p -> p.getMetadata().getCreationTimestamp()))
                    .forEach(p -> exits.computeIfAbsent(
                                    Integer.parseInt(
                                            p.getMetadata().getAnnotations().get(RewriteJobNames.COMPLETION_INDEX)),
                                    k -> new ArrayList<>())
                            .add(String.valueOf(exitCode(p))));
            long charged = exits.get(0).stream()
                    .filter(e -> !List.of("143", "43", "0").contains(e))
                    .count();

            assertEquals("0", jobsCount, "the suspend took the Job controller's count with the deleted pod");
            assertEquals(ATTEMPTS, charged, "shard 0 ran exactly attemptsPerShard charged attempts: " + exits);
            assertEquals("43", exits.get(0).get(exits.get(0).size() - 1), "the next attempt was refused: " + exits);
            assertEquals("0", st.getFailedShards());
            assertEquals(2, st.getShards().getSucceeded());
            assertTrue(
                    st.getRecentFailures().stream()
                            .anyMatch(f -> f.getShard() == 0 && "AttemptsExhausted".equals(f.getReason())),
                    "the refusal is reported: " + st.getRecentFailures());
            assertTrue(
                    st.getRecentFailures().stream()
                            .filter(f -> !"AttemptsExhausted".equals(f.getReason()))
                            .allMatch(f -> f.getAttempt() < ATTEMPTS),
                    "attempt numbers inside the cap: " + st.getRecentFailures());
            System.out.printf(
                    "[figures] attempts cap through a suspend: shard 0 exits in order %s (137 = SIGKILL, charged; "
                            + "143 = stopped by the suspend; 43 = refused), the Job controller's count after the resume %s, "
                            + "shards committed %d/3, phase %s%n",
                    exits.get(0), jobsCount, st.getShards().getSucceeded(), st.getPhase());
        }
    }

    /** A running worker pod of {@code index} not seen before (with that failure-count annotation, when given). */
    private static Pod awaitRunning(Scenario s, String job, String index, String failureCount, Set<String> seen) {
        Pod found = await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> PoisonShardScenarioTest.workerPods(s, job).stream()
                                .filter(p -> index.equals(
                                        p.getMetadata().getAnnotations().get(RewriteJobNames.COMPLETION_INDEX)))
                                .filter(p -> !seen.contains(p.getMetadata().getName()))
                                .filter(p -> s.cluster
                                        .kubelet()
                                        .runningPods()
                                        .contains(Scenario.NS + "/"
                                                + p.getMetadata().getName()))
                                .findFirst()
                                .orElse(null),
                        p -> p != null);
        seen.add(found.getMetadata().getName());
        assertTrue(
                failureCount == null
                        || failureCount.equals(
                                found.getMetadata().getAnnotations().get(RewriteJobNames.INDEX_FAILURE_COUNT)),
                "pod " + found.getMetadata().getName() + " "
                        + found.getMetadata().getAnnotations());
        return found;
    }

    private static void kill(Scenario s, Pod pod) {
        assertTrue(
                s.cluster.kubelet().kill(Scenario.NS, pod.getMetadata().getName()),
                "killed " + pod.getMetadata().getName());
    }

    private static int exitCode(Pod p) {
        var state = p.getStatus().getContainerStatuses().get(0).getState().getTerminated();
        return state == null ? -1 : state.getExitCode();
    }

    /** Every worker pod's end, as the kubelet reported it (pods are deleted on the way). */
    private static Map<String, Pod> watchEnds(Scenario s, String job) {
        Map<String, Pod> ended = new ConcurrentHashMap<>();
        Thread watcher = new Thread(
                () -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        try {
                            for (Pod p : PoisonShardScenarioTest.workerPods(s, job)) {
                                if (p.getStatus() != null
                                        && ("Failed".equals(p.getStatus().getPhase())
                                                || "Succeeded"
                                                        .equals(p.getStatus().getPhase()))) {
                                    ended.putIfAbsent(p.getMetadata().getName(), p);
                                }
                            }
                            Thread.sleep(100);
                        } catch (InterruptedException | RuntimeException e) {
                            return; // the scenario is over
                        }
                    }
                },
                "pod-ends");
        watcher.setDaemon(true);
        watcher.start();
        return ended;
    }

    /**
     * A job suspended mid-run (a GitOps repository setting {@code spec.suspend: true}), then resumed: while it is
     * suspended and its workers are gone its status shows what is committed (the receipts' totals), nothing running
     * or in progress, no rate and no ETA, and stays so; resumed, it finishes with nothing lost or written twice.
     */
    @Test
    void aSuspendedJobShowsWhatIsCommittedAndNoRateOrEstimate() throws Exception {
        Assumptions.assumeTrue(Scenario.workerJarPresent(), "needs the worker jar (-Dsim.worker.jar)");
        int shards = 12;
        try (Scenario s = new Scenario(
                Scenario.clientLike(operatorClient),
                PalimpsestWorkerProgram.Mode.SUBPROCESS,
                () -> SimConfig.builder().startupDelay(Duration.ofSeconds(1)).decodeStepBaseSeconds(0.01))) {
            Path input = s.claim("corpus").resolve("held-in");
            Path output = input.resolveSibling("held-out");
            List<String> ids = SyntheticCorpus.write(input, shards, DOCS, 13);
            s.createModel("held-model", 2, 30);
            RewriteJob job = s.smallJob("held", "held-model", "pvc://corpus/held-in/", "pvc://corpus/held-out/");
            job.getSpec().getWorkers().setParallelism(new IntOrString(2));
            s.client.resource(job).create();
            await().atMost(Duration.ofMinutes(5))
                    .pollInterval(Duration.ofMillis(300))
                    .until(() -> {
                        RewriteJob j = s.job("held");
                        return j != null
                                && j.getStatus() != null
                                && j.getStatus().getShards() != null
                                && j.getStatus().getShards().getSucceeded() >= 3;
                    });

            edit(s, "held", j -> j.getSpec().setSuspend(true));
            s.awaitPhase("held", JobPhase.Suspended, Duration.ofMinutes(2));
            await().atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> s.client.pods().inNamespace(Scenario.NS).list().getItems().stream()
                            .noneMatch(p -> p.getMetadata().getName().startsWith("held-work-")
                                    && p.getStatus() != null
                                    && !"Succeeded".equals(p.getStatus().getPhase())
                                    && !"Failed".equals(p.getStatus().getPhase())));
            RewriteJobStatus held = await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(
                            () -> s.job("held").getStatus(),
                            st -> st.getShards().getRunning() == 0 && st.getEstimatedCompletionTime() == null);
            ReceiptTotals committed = ReceiptTotals.of(output);
            String seen = s.client.getKubernetesSerialization().asYaml(held);
            // The documents, tokens and succeeded shards are the receipts': a shard whose worker committed it in full
            // after the SIGTERM (exit 143) is succeeded, and unconfirmed until the resume runs its index again.
            assertEquals(committed.shards(), held.getShards().getSucceeded(), seen);
            assertEquals(committed.shards() + "/" + shards, held.getProgress(), seen);
            assertEquals(committed.read(), held.getDocuments().getRead(), seen);
            assertEquals(committed.completionTokens(), held.getTokens().getCompletion(), seen);
            assertEquals(null, held.getDocuments().getInProgress(), seen);
            // no rate: none sampled yet (suspended within the first sample period), or every rate 0
            assertTrue(
                    held.getThroughput() == null
                            || (held.getThroughput().getTokensPerSecond() == 0
                                    && (held.getThroughput().getShardsPerHour() == null
                                            || held.getThroughput().getShardsPerHour() == 0)),
                    seen);
            assertEquals(
                    shards - held.getShards().getSucceeded(),
                    held.getShards().getPending() + held.getShards().getFailed(),
                    seen);
            Thread.sleep(5000);
            RewriteJobStatus later = s.job("held").getStatus();
            assertEquals(held.getShards(), later.getShards(), "nothing moves while suspended");
            assertEquals(held.getDocuments(), later.getDocuments());
            assertEquals(null, later.getEstimatedCompletionTime());

            Map<String, Long> receiptsHeld = receiptTimes(output);

            edit(s, "held", j -> j.getSpec().setSuspend(false));
            RewriteJob done = s.awaitPhase("held", JobPhase.Succeeded, Duration.ofMinutes(5));
            ReceiptTotals.of(output).assertStatusOf(done.getStatus(), shards, (long) shards * DOCS);
            Map<String, Long> receiptsDone = receiptTimes(output);
            receiptsHeld.forEach(
                    (r, at) -> assertEquals(at, receiptsDone.get(r), r + " committed again after the resume"));
            OutputIds docs = OutputIds.of(output, ids);
            assertEquals(List.of(), docs.lost(), "lost documents");
            assertEquals(List.of(), docs.duplicated(), "documents written twice");
            System.out.printf(
                    "[figures] held: suspended with %d/%d shards committed (status: %d succeeded of which %d unconfirmed, %d pending; %d read ="
                            + " receipts), nothing running, no rate, no ETA; resumed and succeeded without committing a"
                            + " shard again: 0 lost, 0 duplicated%n",
                    committed.shards(),
                    shards,
                    held.getShards().getSucceeded(),
                    held.getShards().getUnconfirmed(),
                    held.getShards().getPending(),
                    committed.read());
        }
    }

    /** Each receipt of the output with when it was last written. */
    private static Map<String, Long> receiptTimes(Path output) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(output.resolve("_palimpsest").resolve("receipts"))) {
            for (Path f : files.toList()) {
                out.put(f.getFileName().toString(), Files.getLastModifiedTime(f).toMillis());
            }
        }
        return out;
    }

    private static void awaitSucceeded(Scenario s, long shards) {
        await().atMost(Duration.ofMinutes(5))
                .pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    RewriteJob j = s.job("ssi");
                    return j != null
                            && j.getStatus() != null
                            && j.getStatus().getShards() != null
                            && j.getStatus().getShards().getSucceeded() >= shards;
                });
    }

    private static void edit(Scenario s, Consumer<RewriteJob> change) {
        edit(s, "ssi", change);
    }

    private static void edit(Scenario s, String name, Consumer<RewriteJob> change) {
        for (int i = 0; ; i++) {
            try {
                s.client
                        .resources(RewriteJob.class)
                        .inNamespace(Scenario.NS)
                        .withName(name)
                        .edit(j -> {
                            change.accept(j);
                            return j;
                        });
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || i > 10) {
                    throw e;
                }
            }
        }
    }
}
