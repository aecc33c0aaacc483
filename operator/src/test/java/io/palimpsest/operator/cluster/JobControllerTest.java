package io.palimpsest.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The simulated Job controller and kubelet together, with scripted containers: each test's image
 * name picks its script, and the script reads its index from the env the Job controller injects.
 */
class JobControllerTest {

    private static final String NS = "jobs";
    /** Backoff from 100 ms (doubling to 6 s), 30 s grace in 0.3 s. */
    private static final double TIME_SCALE = 0.01;

    private static SimulatedCluster cluster;
    private static KubernetesClient client;
    private static final Map<String, ScriptedProgram.Script> SCRIPTS = new ConcurrentHashMap<>();

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

    @Test
    void indexedJobRunsEachIndexOnceWithinParallelism() {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        SCRIPTS.put("parallel", l -> {
            peak.accumulateAndGet(running.incrementAndGet(), Math::max);
            Thread.sleep(150);
            running.decrementAndGet();
            Files.writeString(
                    l.terminationMessageFile(), "{\"shard\":" + l.env().get("JOB_COMPLETION_INDEX") + "}");
            return 0;
        });
        create(indexed("parallel", 5, 2).build());

        Job job = awaitCondition("parallel", "Complete");
        assertEquals("0-4", job.getStatus().getCompletedIndexes());
        assertEquals(5, job.getStatus().getSucceeded());
        assertEquals(0, job.getStatus().getActive());
        assertTrue(hasCondition(job, "SuccessCriteriaMet"), "1.31 adds SuccessCriteriaMet before Complete");
        assertTrue(peak.get() <= 2, "parallelism 2, saw " + peak.get());
        List<Pod> pods = pods("parallel");
        assertEquals(5, pods.size());
        for (Pod pod : pods) {
            String index = pod.getMetadata().getAnnotations().get(JobSync.COMPLETION_INDEX);
            assertEquals(index, pod.getMetadata().getLabels().get(JobSync.COMPLETION_INDEX));
            assertEquals(
                    job.getMetadata().getUid(),
                    pod.getMetadata().getOwnerReferences().get(0).getUid());
            assertEquals("Succeeded", pod.getStatus().getPhase());
            assertEquals(
                    "{\"shard\":" + index + "}",
                    pod.getStatus()
                            .getContainerStatuses()
                            .get(0)
                            .getState()
                            .getTerminated()
                            .getMessage());
        }
        // the finalizer of the last counted pod may be released in the same sync that writes Complete
        await().atMost(Duration.ofSeconds(10))
                .until(() -> pods("parallel").stream().noneMatch(JobSync::isTracked));
    }

    @Test
    void podFailurePolicyAndPerIndexBudgets() {
        SCRIPTS.put("policy", l -> switch (Integer.parseInt(l.env().get("JOB_COMPLETION_INDEX"))) {
            case 1 -> 42;
            case 2 -> l.env().get("ATTEMPT").equals("0") ? 75 : 0;
            case 3 -> 1;
            default -> 0;
        });
        Job job = indexed("policy", 4, 4)
                .editSpec()
                .withBackoffLimitPerIndex(1)
                .withMaxFailedIndexes(2)
                .withPodReplacementPolicy("Failed")
                .withNewPodFailurePolicy()
                .addNewRule()
                .withAction("Ignore")
                .addNewOnPodCondition()
                .withType("DisruptionTarget")
                .withStatus("True")
                .endOnPodCondition()
                .endRule()
                .addNewRule()
                .withAction("FailIndex")
                .withNewOnExitCodes()
                .withOperator("In")
                .withValues(42)
                .endOnExitCodes()
                .endRule()
                .addNewRule()
                .withAction("Count")
                .withNewOnExitCodes()
                .withOperator("In")
                .withValues(75)
                .endOnExitCodes()
                .endRule()
                .endPodFailurePolicy()
                .endSpec()
                .build();
        attemptEnv(job);
        create(job);

        Job done = awaitCondition("policy", "Failed");
        assertEquals("FailedIndexes", condition(done, "Failed").getReason());
        assertEquals("0,2", done.getStatus().getCompletedIndexes());
        assertEquals("1,3", done.getStatus().getFailedIndexes());
        assertEquals(4, done.getStatus().getFailed(), "42 once, 75 once, 1 twice");
        assertEquals(1, podsOfIndex("policy", 1).size(), "FailIndex: no retry");
        assertEquals(2, podsOfIndex("policy", 2).size(), "exit 75 counted, then retried");
        assertEquals(2, podsOfIndex("policy", 3).size(), "backoffLimitPerIndex 1 = two attempts");
        assertNull(done.getStatus().getCompletionTime(), "only success sets completionTime");
    }

    @Test
    void disruptionIsIgnoredButSigkillIsCharged() {
        SCRIPTS.put("chaos", l -> {
            if (l.env().get("ATTEMPT").equals("1")) {
                return 0;
            }
            Thread.sleep(60_000);
            return 0;
        });
        Job job = indexed("chaos", 1, 1)
                .editSpec()
                .withBackoffLimitPerIndex(3)
                .withNewPodFailurePolicy()
                .addNewRule()
                .withAction("Ignore")
                .addNewOnPodCondition()
                .withType("DisruptionTarget")
                .withStatus("True")
                .endOnPodCondition()
                .endRule()
                .endPodFailurePolicy()
                .endSpec()
                .build();
        attemptEnv(job);
        create(job);

        Pod first = awaitNthPodRunning("chaos", 1);
        assertTrue(cluster.kubelet().disrupt(NS, first.getMetadata().getName(), "PreemptionByScheduler"));
        Pod second = awaitNthPodRunning("chaos", 2);
        assertEquals(
                "0", second.getMetadata().getAnnotations().get(JobSync.FAILURE_COUNT), "a disruption costs no budget");
        assertEquals("1", second.getMetadata().getAnnotations().get(JobSync.IGNORED_FAILURE_COUNT));
        assertTrue(cluster.kubelet().kill(NS, second.getMetadata().getName()));

        Job done = awaitCondition("chaos", "Complete");
        assertEquals(3, createdPods("chaos").size());
        List<Pod> pods = pods("chaos");
        assertEquals(2, pods.size(), "the preempted pod was deleted once counted");
        assertEquals(1, done.getStatus().getFailed(), "only the SIGKILL counts");
        Pod killed = pods.stream()
                .filter(p ->
                        p.getMetadata().getName().equals(second.getMetadata().getName()))
                .findFirst()
                .orElseThrow();
        assertEquals(
                137,
                killed.getStatus()
                        .getContainerStatuses()
                        .get(0)
                        .getState()
                        .getTerminated()
                        .getExitCode());
        assertEquals("1", pods.get(1).getMetadata().getAnnotations().get(JobSync.FAILURE_COUNT));
    }

    @Test
    void suspendDeletesRunningPodsAndResumeStartsOver() {
        SCRIPTS.put("pause", l -> {
            Thread.sleep(60_000);
            return 0;
        });
        create(indexed("pause", 3, 2).build());
        awaitRunning("pause", 2);
        String startedAt = get("pause").getStatus().getStartTime();

        editRetrying("pause", j -> j.getSpec().setSuspend(true));
        Job suspended = awaitCondition("pause", "Suspended");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> pods("pause").isEmpty() && get("pause").getStatus().getActive() == 0);
        assertEquals("JobSuspended", condition(suspended, "Suspended").getReason());
        assertEquals(0, get("pause").getStatus().getFailed(), "pods deleted on suspend are not failures");

        editRetrying("pause", j -> j.getSpec().setSuspend(false));
        awaitRunning("pause", 2);
        Job resumed = get("pause");
        assertEquals("False", condition(resumed, "Suspended").getStatus());
        assertEquals("JobResumed", condition(resumed, "Suspended").getReason());
        assertNotEquals(null, resumed.getStatus().getStartTime());
        assertTrue(resumed.getStatus().getStartTime().compareTo(startedAt) >= 0);
        client.batch().v1().jobs().inNamespace(NS).withName("pause").delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> pods("pause").isEmpty());
    }

    @Test
    void tooManyFailedIndexesFailsTheJobAndStopsTheRest() {
        SCRIPTS.put("poison", l -> {
            if (!l.env().get("JOB_COMPLETION_INDEX").equals("3")) {
                return 42;
            }
            Thread.sleep(60_000);
            return 0;
        });
        create(indexed("poison", 4, 4)
                .editSpec()
                .withBackoffLimitPerIndex(0)
                .withMaxFailedIndexes(1)
                .withNewPodFailurePolicy()
                .addNewRule()
                .withAction("FailIndex")
                .withNewOnExitCodes()
                .withOperator("In")
                .withValues(42)
                .endOnExitCodes()
                .endRule()
                .endPodFailurePolicy()
                .endSpec()
                .build());

        Job done = awaitCondition("poison", "Failed");
        assertEquals("MaxFailedIndexesExceeded", condition(done, "Failed").getReason());
        assertTrue(hasCondition(done, "FailureTarget"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> podsOfIndex("poison", 3).isEmpty());
    }

    @Test
    void failJobRuleEndsTheJobAtOnce() {
        SCRIPTS.put("fatal", l -> l.env().get("JOB_COMPLETION_INDEX").equals("0") ? 3 : 0);
        create(indexed("fatal", 2, 1)
                .editSpec()
                .withBackoffLimit(6)
                .withNewPodFailurePolicy()
                .addNewRule()
                .withAction("FailJob")
                .withNewOnExitCodes()
                .withOperator("In")
                .withValues(3)
                .endOnExitCodes()
                .endRule()
                .endPodFailurePolicy()
                .endSpec()
                .build());
        Job done = awaitCondition("fatal", "Failed");
        assertEquals("PodFailurePolicy", condition(done, "Failed").getReason());
        assertTrue(condition(done, "Failed").getMessage().contains("failed with exit code 3"));
        assertEquals(1, pods("fatal").size(), "no second index was started");
    }

    @Test
    void nonIndexedJobWithBackoffLimit() {
        AtomicInteger attempts = new AtomicInteger();
        SCRIPTS.put("plain", l -> attempts.incrementAndGet() < 3 ? 1 : 0);
        create(new JobBuilder()
                .withNewMetadata()
                .withName("plain")
                .withNamespace(NS)
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(2)
                .withNewTemplate()
                .withNewSpec()
                .withRestartPolicy("Never")
                .addNewContainer()
                .withName("main")
                .withImage("plain")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build());
        Job done = awaitCondition("plain", "Complete");
        assertEquals(1, done.getStatus().getSucceeded());
        assertEquals(2, done.getStatus().getFailed());
        assertNull(done.getStatus().getCompletedIndexes());

        SCRIPTS.put("hopeless", l -> 1);
        create(new JobBuilder()
                .withNewMetadata()
                .withName("hopeless")
                .withNamespace(NS)
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(1)
                .withNewTemplate()
                .withNewSpec()
                .withRestartPolicy("Never")
                .addNewContainer()
                .withName("main")
                .withImage("hopeless")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build());
        Job failed = awaitCondition("hopeless", "Failed");
        assertEquals("BackoffLimitExceeded", condition(failed, "Failed").getReason());
        assertEquals(2, failed.getStatus().getFailed());
    }

    // --- helpers

    static JobBuilder indexed(String name, int completions, int parallelism) {
        return new JobBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .endMetadata()
                .withNewSpec()
                .withCompletionMode("Indexed")
                .withCompletions(completions)
                .withParallelism(parallelism)
                .withNewTemplate()
                .withNewSpec()
                .withRestartPolicy("Never")
                .addNewContainer()
                .withName("worker")
                .withImage(name)
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec();
    }

    /** Exposes the per-index counters to the script, through the downward API as a user would. */
    private static void attemptEnv(Job job) {
        var c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        c.setEnv(new ArrayList<>(List.of(
                new EnvVarBuilder()
                        .withName("ATTEMPT")
                        .withNewValueFrom()
                        .withNewFieldRef()
                        .withFieldPath("metadata.annotations['" + JobSync.FAILURE_COUNT + "']")
                        .endFieldRef()
                        .endValueFrom()
                        .build(),
                new EnvVarBuilder()
                        .withName("IGNORED")
                        .withNewValueFrom()
                        .withNewFieldRef()
                        .withFieldPath("metadata.annotations['" + JobSync.IGNORED_FAILURE_COUNT + "']")
                        .endFieldRef()
                        .endValueFrom()
                        .build())));
    }

    private static void create(Job job) {
        client.batch().v1().jobs().inNamespace(NS).resource(job).create();
    }

    private static Job get(String name) {
        return client.batch().v1().jobs().inNamespace(NS).withName(name).get();
    }

    /** The job's pods in creation order, which the Job controller's event log keeps (timestamps have whole seconds). */
    static List<Pod> pods(String job) {
        List<String> order = createdPods(job);
        return client.pods().inNamespace(NS).withLabel(JobSync.JOB_NAME, job).list().getItems().stream()
                .sorted(Comparator.comparingInt(
                        (Pod p) -> order.indexOf(p.getMetadata().getName())))
                .toList();
    }

    static List<String> createdPods(String job) {
        return cluster.events().messagesStartingWith("SuccessfulCreate pod " + job + "-").stream()
                .filter(e -> e.object().equals(NS + "/" + job))
                .map(e -> e.message().split(" ")[2])
                .toList();
    }

    private static List<Pod> podsOfIndex(String job, int index) {
        return pods(job).stream()
                .filter(p -> String.valueOf(index)
                        .equals(p.getMetadata().getAnnotations().get(JobSync.COMPLETION_INDEX)))
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .toList();
    }

    /** Waits until {@code count} pods of the job run at once; returns one of them. */
    private static Pod awaitRunning(String job, int count) {
        return await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> {
                            List<Pod> running = pods(job).stream()
                                    .filter(p -> p.getStatus() != null
                                            && "Running".equals(p.getStatus().getPhase()))
                                    .toList();
                            return running.size() >= count ? running.get(0) : null;
                        },
                        p -> p != null);
    }

    /** Waits until the job's {@code n}-th pod (1-based, in creation order) runs, and returns it. */
    private static Pod awaitNthPodRunning(String job, int n) {
        return await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> {
                            List<String> created = createdPods(job);
                            if (created.size() < n) {
                                return null;
                            }
                            Pod pod = client.pods()
                                    .inNamespace(NS)
                                    .withName(created.get(n - 1))
                                    .get();
                            return pod != null
                                            && pod.getStatus() != null
                                            && "Running".equals(pod.getStatus().getPhase())
                                    ? pod
                                    : null;
                        },
                        p -> p != null);
    }

    private static Job awaitCondition(String name, String type) {
        return await().atMost(Duration.ofSeconds(15)).until(() -> get(name), j -> j != null && hasCondition(j, type));
    }

    static boolean hasCondition(Job job, String type) {
        return job.getStatus() != null
                && job.getStatus().getConditions() != null
                && job.getStatus().getConditions().stream()
                        .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    static JobCondition condition(Job job, String type) {
        return job.getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType()))
                .findFirst()
                .orElseThrow();
    }

    /** An edit as a client makes it: read, change, write; again on 409 while the Job controller writes status. */
    private void editRetrying(String name, Consumer<Job> change) {
        for (int attempt = 1; ; attempt++) {
            try {
                client.batch().v1().jobs().inNamespace(NS).withName(name).edit(j -> {
                    change.accept(j);
                    return j;
                });
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= 20) {
                    throw e;
                }
            }
        }
    }
}
