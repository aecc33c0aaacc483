package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One test per place the simulated cluster used to part from a real one (Kubernetes 1.31-1.33):
 * each pins the upstream behaviour now modelled. Scripted containers, the cluster's own API server.
 */
class UpstreamJobSemanticsTest {

    private static final String NS = "upstream";
    /** Backoff from 100 ms doubling to 6 s; a 30 s grace in 0.3 s, a 200 s one in 2 s. */
    private static final double TIME_SCALE = 0.01;

    private static final Map<String, ScriptedProgram.Script> SCRIPTS = new ConcurrentHashMap<>();
    private static SimulatedCluster cluster;
    private static KubernetesClient client;

    @BeforeAll
    static void start() {
        cluster = SimulatedCluster.builder()
                .timeScale(TIME_SCALE)
                .programs(p -> p.add("scripted", l -> SCRIPTS.containsKey(l.image()), l -> new ScriptedProgram(
                                SCRIPTS.get(l.image()))
                        .start(l)))
                .start();
        client = cluster.client();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    /**
     * indexed_job_utils.go: a replacement pod's failure count comes from the index's last failed
     * pod that still holds the tracking finalizer. Suspend strips the finalizer of the running pod
     * (the one carrying the count), so after resume the index starts again from 0.
     */
    @Test
    void suspendResetsAnIndexFailureCount() {
        // Only the first launch fails: every later attempt runs until it is stopped, so each one can
        // be seen (a replacement that failed at once would be replaced before anyone looked at it).
        List<String> launches = new CopyOnWriteArrayList<>();
        SCRIPTS.put("reset", l -> {
            launches.add(l.env().get("ATTEMPT"));
            if (launches.size() == 1) {
                return 1;
            }
            Thread.sleep(60_000);
            return 0;
        });
        Job job = JobControllerTest.indexed("reset", 1, 1)
                .editSpec()
                .withBackoffLimitPerIndex(3)
                .endSpec()
                .build();
        attemptEnv(job);
        client.batch().v1().jobs().inNamespace(NS).resource(job).create();

        Pod second = await().atMost(Duration.ofSeconds(20))
                .until(
                        () -> runningPods("reset").stream().findFirst().orElse(null),
                        p -> p != null
                                && "1".equals(p.getMetadata().getAnnotations().get(JobSync.FAILURE_COUNT)));
        // The first failure is held by its finalizer until its replacement exists, then released.
        await().atMost(Duration.ofSeconds(20))
                .until(() ->
                        client.pods().inNamespace(NS).withLabel(JobSync.JOB_NAME, "reset").list().getItems().stream()
                                .filter(p -> !p.getMetadata()
                                        .getName()
                                        .equals(second.getMetadata().getName()))
                                .noneMatch(JobSync::isTracked));
        List<String> before =
                client.pods().inNamespace(NS).withLabel(JobSync.JOB_NAME, "reset").list().getItems().stream()
                        .map(p -> p.getMetadata().getName())
                        .toList();
        suspend("reset", true);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> client.pods()
                                .inNamespace(NS)
                                .withName(second.getMetadata().getName())
                                .get()
                        == null);
        suspend("reset", false);
        Pod third = await().atMost(Duration.ofSeconds(20))
                .until(
                        () ->
                                client
                                        .pods()
                                        .inNamespace(NS)
                                        .withLabel(JobSync.JOB_NAME, "reset")
                                        .list()
                                        .getItems()
                                        .stream()
                                        .filter(p ->
                                                !before.contains(p.getMetadata().getName()))
                                        .findFirst()
                                        .orElse(null),
                        p -> p != null);
        assertEquals(
                "0",
                third.getMetadata().getAnnotations().get(JobSync.FAILURE_COUNT),
                "the count lived on the pod suspend deleted; a real cluster starts the index again from 0");
        await().atMost(Duration.ofSeconds(20)).until(() -> launches.size() >= 3);
        assertEquals(List.of("0", "1", "0"), launches, "what each attempt was told");
        client.batch().v1().jobs().inNamespace(NS).withName("reset").delete();
    }

    /**
     * backoff_utils.go: the n-th failure of an index delays its next pod by base x 2^(n-1). On a
     * cluster of its own at 1/5 (2 s, 4 s, 8 s), so the doubling stands out of the pipeline's own
     * latency (watch, kubelet status write: up to a second and a half on a loaded machine, where at
     * 1/20 the 1.5 s between the first and third delays drowned in it).
     */
    @Test
    void failedIndexesBackOffExponentially() {
        try (SimulatedCluster own = SimulatedCluster.builder()
                .timeScale(0.2)
                .programs(p -> p.add("failing", l -> l.image().equals("backoff"), ScriptedProgram.exits(1)))
                .start()) {
            own.client()
                    .batch()
                    .v1()
                    .jobs()
                    .inNamespace(NS)
                    .resource(JobControllerTest.indexed("backoff", 1, 1)
                            .editSpec()
                            .withBackoffLimitPerIndex(3)
                            .endSpec()
                            .build())
                    .create();
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                Job j = own.client()
                        .batch()
                        .v1()
                        .jobs()
                        .inNamespace(NS)
                        .withName("backoff")
                        .get();
                return j != null && JobControllerTest.hasCondition(j, "Failed");
            });
            List<Instant> created = own.events().messagesStartingWith("SuccessfulCreate pod backoff-").stream()
                    .map(EventLog.Entry::at)
                    .toList();
            List<Instant> exited = own
                    .events()
                    .matching(e -> e.object().startsWith(NS + "/backoff-")
                            && e.message().startsWith("exited"))
                    .stream()
                    .map(EventLog.Entry::at)
                    .toList();
            assertEquals(4, created.size(), "backoffLimitPerIndex 3: four attempts");
            List<Long> waits = new ArrayList<>();
            for (int i = 1; i < created.size(); i++) {
                long waited =
                        Duration.between(exited.get(i - 1), created.get(i)).toMillis();
                waits.add(waited);
                long due = 2_000L << (i - 1);
                assertTrue(waited >= due - 50, "retry " + i + " after " + waited + " ms, due after " + due + " ms");
            }
            assertTrue(waits.get(2) - waits.get(0) >= 3_000, "8 s against 2 s: " + waits);
        }
    }

    /**
     * job_controller.go: FailureTarget is set at once, Failed only when every pod has terminated;
     * a pod that ignores SIGTERM keeps the Job from Failed for its whole grace period.
     */
    @Test
    void failedWaitsForTerminatingPods() {
        SCRIPTS.put("slowstop", l -> {
            if (l.env().get("JOB_COMPLETION_INDEX").equals("0")) {
                Thread.sleep(300);
                return 3;
            }
            return ignoreSigterm();
        });
        Job job = JobControllerTest.indexed("slowstop", 2, 2)
                .editSpec()
                .withNewPodFailurePolicy()
                .addNewRule()
                .withAction("FailJob")
                .withNewOnExitCodes()
                .withOperator("In")
                .withValues(3)
                .endOnExitCodes()
                .endRule()
                .endPodFailurePolicy()
                .editTemplate()
                .editSpec()
                .withTerminationGracePeriodSeconds(200L)
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
        client.batch().v1().jobs().inNamespace(NS).resource(job).create();

        Job target = await().atMost(Duration.ofSeconds(10))
                .until(() -> get("slowstop"), j -> j != null && JobControllerTest.hasCondition(j, "FailureTarget"));
        Instant targetAt = Instant.now();
        assertFalse(JobControllerTest.hasCondition(target, "Failed"));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> get("slowstop").getStatus().getTerminating() == 1);
        assertFalse(JobControllerTest.hasCondition(get("slowstop"), "Failed"), "a pod is still terminating");
        await().atMost(Duration.ofSeconds(10)).until(() -> hasCondition("slowstop", "Failed"));
        long waited = Duration.between(targetAt, Instant.now()).toMillis();
        assertTrue(waited >= 1_500, "Failed came " + waited + " ms after FailureTarget; the grace period is 2 s");
        assertEquals(
                "PodFailurePolicy",
                JobControllerTest.condition(get("slowstop"), "Failed").getReason());
    }

    /**
     * podReplacementPolicy Failed: a terminating pod keeps its parallelism slot; with
     * TerminatingOrFailed its replacement starts at once.
     */
    @Test
    void terminatingPodsHoldTheirSlotUnderFailed() {
        SCRIPTS.put("slot-failed", l -> ignoreSigterm());
        SCRIPTS.put("slot-terminating", l -> ignoreSigterm());
        for (String policy : List.of("Failed", "TerminatingOrFailed")) {
            String name = policy.equals("Failed") ? "slot-failed" : "slot-terminating";
            client.batch()
                    .v1()
                    .jobs()
                    .inNamespace(NS)
                    .resource(JobControllerTest.indexed(name, 3, 2)
                            .editSpec()
                            .withPodReplacementPolicy(policy)
                            .editTemplate()
                            .editSpec()
                            .withTerminationGracePeriodSeconds(300L)
                            .endSpec()
                            .endTemplate()
                            .endSpec()
                            .build())
                    .create();
            await().atMost(Duration.ofSeconds(10)).until(() -> runningPods(name).size() == 2);
            parallelism(name, 1);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> get(name).getStatus().getTerminating() == 1);
            parallelism(name, 2);
            if (policy.equals("Failed")) {
                await().during(Duration.ofMillis(1_500))
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> activePods(name) == 1);
                await().atMost(Duration.ofSeconds(10)).until(() -> activePods(name) == 2);
            } else {
                // at once, beside a pod that holds its slot for minutes under Failed: 10 s leaves a loaded machine room
                await().atMost(Duration.ofSeconds(10)).until(() -> activePods(name) == 2);
                assertEquals(
                        1,
                        get(name).getStatus().getTerminating(),
                        "the old pod still terminates beside its replacement");
            }
            client.batch().v1().jobs().inNamespace(NS).withName(name).delete();
        }
    }

    /**
     * kubelet: a deleted pod's container gets SIGTERM, keeps running for the grace period, and the
     * pod object stays (Terminating) until the container has stopped; a container that stops in
     * time reports its own exit code, one that does not gets SIGKILL (137) when the grace ends. The
     * polite pod's grace is ten times the stubborn one's: that it stopped at once, not when its grace
     * ended, shows then however slow the machine.
     */
    @Test
    void deletionIsGracefulSigtermThenSigkill() {
        SCRIPTS.put("polite", l -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                return 143;
            }
            return 0;
        });
        SCRIPTS.put("stubborn", l -> ignoreSigterm());
        for (String name : List.of("polite", "stubborn")) {
            client.pods()
                    .inNamespace(NS)
                    .resource(new PodBuilder()
                            .withNewMetadata()
                            .withName(name)
                            .endMetadata()
                            .withNewSpec()
                            .withRestartPolicy("Never")
                            .withTerminationGracePeriodSeconds(name.equals("polite") ? 1000L : 100L)
                            .addNewContainer()
                            .withName("main")
                            .withImage(name)
                            .endContainer()
                            .endSpec()
                            .build())
                    .create();
        }
        for (String name : List.of("polite", "stubborn")) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> cluster.kubelet().runningPods().contains(NS + "/" + name));
            Instant deleted = Instant.now();
            client.pods().inNamespace(NS).withName(name).delete();
            Pod terminating = client.pods().inNamespace(NS).withName(name).get();
            assertNotNull(terminating, "a running pod is not removed by its delete");
            assertNotNull(terminating.getMetadata().getDeletionTimestamp());
            int[] exit = {-1};
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        List<EventLog.Entry> exits = cluster.events()
                                .matching(e -> e.object().equals(NS + "/" + name)
                                        && e.message().startsWith("exited"));
                        if (!exits.isEmpty()) {
                            exit[0] = Integer.parseInt(exits.get(0).message().split(" ")[1]);
                        }
                        return exit[0] >= 0;
                    });
            long took = Duration.between(deleted, Instant.now()).toMillis();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> client.pods().inNamespace(NS).withName(name).get() == null);
            if (name.equals("polite")) {
                assertEquals(143, exit[0], "its own exit code after SIGTERM");
                assertTrue(took < 5_000, "stopped in " + took + " ms, well inside its 10 s grace");
            } else {
                assertEquals(137, exit[0], "SIGKILL when the grace period ended");
                assertTrue(took >= 900, "killed after " + took + " ms; the grace period is 1 s");
            }
        }
    }

    // --- helpers

    /** A container that keeps running through SIGTERM (only SIGKILL ends it). */
    private static int ignoreSigterm() {
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < until) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                // SIGTERM: ignored
            }
        }
        return 0;
    }

    private static void attemptEnv(Job job) {
        var c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        c.setEnv(new ArrayList<>(List.of(new EnvVarBuilder()
                .withName("ATTEMPT")
                .withNewValueFrom()
                .withNewFieldRef()
                .withFieldPath("metadata.annotations['" + JobSync.FAILURE_COUNT + "']")
                .endFieldRef()
                .endValueFrom()
                .build())));
    }

    private static Job get(String name) {
        return client.batch().v1().jobs().inNamespace(NS).withName(name).get();
    }

    private static boolean hasCondition(String job, String type) {
        Job j = get(job);
        return j != null && JobControllerTest.hasCondition(j, type);
    }

    private static void suspend(String job, boolean suspend) {
        editOnConflict(job, j -> j.getSpec().setSuspend(suspend));
    }

    private static void parallelism(String job, int parallelism) {
        editOnConflict(job, j -> j.getSpec().setParallelism(parallelism));
    }

    /**
     * A spec edit read-modify-written again when the Job controller wrote the Job in between (409),
     * as client-go's RetryOnConflict does: the controller writes status and finalizers concurrently.
     */
    private static void editOnConflict(String job, Consumer<Job> change) {
        for (int attempt = 1; ; attempt++) {
            try {
                client.batch().v1().jobs().inNamespace(NS).withName(job).edit(j -> {
                    change.accept(j);
                    return j;
                });
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 5) {
                    throw e;
                }
            }
        }
    }

    private static List<Pod> runningPods(String job) {
        return client.pods().inNamespace(NS).withLabel(JobSync.JOB_NAME, job).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p ->
                        p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
                .toList();
    }

    private static long activePods(String job) {
        return client.pods().inNamespace(NS).withLabel(JobSync.JOB_NAME, job).list().getItems().stream()
                .filter(JobSync::isActive)
                .count();
    }
}
