package io.palimpsest.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.palimpsest.operator.job.RewriteJobNames;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every Job object a RewriteJob owns over a scenario, by name with each uid it had: whatever
 * happens to the operator (restarts, API faults, a new leader), it must create one planner and one
 * worker Job and never replace either.
 */
final class OwnedJobsWatch implements AutoCloseable {
    private final String rewriteJob;
    private final Map<String, Set<String>> uids = new ConcurrentHashMap<>();
    private final Watch watch;

    OwnedJobsWatch(KubernetesClient client, String rewriteJob) {
        this.rewriteJob = rewriteJob;
        this.watch = client.batch()
                .v1()
                .jobs()
                .inNamespace(Scenario.NS)
                .withLabel(RewriteJobNames.JOB_LABEL, rewriteJob)
                .watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, Job j) {
                        uids.computeIfAbsent(j.getMetadata().getName(), k -> ConcurrentHashMap.newKeySet())
                                .add(j.getMetadata().getUid());
                    }

                    @Override
                    public void onClose(WatcherException cause) {}
                });
    }

    /** One planner and one worker Job (tally Jobs aside), each one object for its whole life. */
    void assertOnePlannerAndOneWorker() {
        assertEquals(
                Set.of(rewriteJob + "-plan", rewriteJob + "-work"),
                Set.copyOf(uids.keySet().stream()
                        .filter(n -> !n.endsWith("-tally"))
                        .toList()),
                "planner and worker Jobs: " + uids);
        uids.forEach((name, ids) -> assertEquals(1, ids.size(), "one Job object for its whole life: " + name));
    }

    Set<String> names() {
        return uids.keySet();
    }

    @Override
    public void close() {
        watch.close();
    }
}
