package io.palimpsest.operator.cluster;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.palimpsest.api.v1alpha1.JobPhase;
import io.palimpsest.api.v1alpha1.RewriteJob;
import io.palimpsest.api.v1alpha1.RewriterModel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A model's replicas over a job's life, as a scenario watches them: wanted (the Deployment's
 * replicas) and ready (the model's status), one entry per change, until the job has Succeeded and
 * the model is back to zero, or {@code atMost} has passed.
 */
final class ReplicaTrace {

    /** What one poll saw, for scenarios that print more (queue, pods) as the job goes. */
    record Poll(double seconds, RewriteJob job, RewriterModel model, int ready, int wanted) {}

    final List<String> entries = new ArrayList<>();
    int peak;
    int lastWanted = -1;
    int lastReady = -1;
    Instant finished;

    static ReplicaTrace follow(
            Scenario s,
            String model,
            String job,
            Instant applied,
            Duration atMost,
            Duration every,
            Consumer<Poll> onPoll)
            throws InterruptedException {
        ReplicaTrace t = new ReplicaTrace();
        while (Duration.between(applied, Instant.now()).compareTo(atMost) < 0) {
            Deployment d = s.client
                    .apps()
                    .deployments()
                    .inNamespace(Scenario.NS)
                    .withName(model + "-vllm")
                    .get();
            int wanted = d == null || d.getSpec().getReplicas() == null
                    ? 0
                    : d.getSpec().getReplicas();
            RewriterModel m = s.model(model);
            int ready = m == null || m.getStatus() == null || m.getStatus().getReadyReplicas() == null
                    ? 0
                    : m.getStatus().getReadyReplicas();
            double at = Scenario.seconds(applied, Instant.now());
            if (wanted != t.lastWanted || ready != t.lastReady) {
                t.entries.add(String.format("%.1fs %d/%d", at, ready, wanted));
                t.lastWanted = wanted;
                t.lastReady = ready;
            }
            t.peak = Math.max(t.peak, wanted);
            RewriteJob j = s.job(job);
            onPoll.accept(new Poll(at, j, m, ready, wanted));
            if (t.finished == null
                    && j != null
                    && j.getStatus() != null
                    && j.getStatus().getPhase() == JobPhase.Succeeded) {
                t.finished = Instant.now();
                t.entries.add(String.format("%.1fs job Succeeded", Scenario.seconds(applied, t.finished)));
            }
            if (t.finished != null && wanted == 0 && ready == 0) {
                break;
            }
            Thread.sleep(every.toMillis());
        }
        return t;
    }

    @Override
    public String toString() {
        return entries.toString();
    }
}
