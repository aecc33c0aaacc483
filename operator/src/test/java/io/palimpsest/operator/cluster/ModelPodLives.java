package io.palimpsest.operator.cluster;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The lives of the model pods the Deployment controller made, read from the event log: created,
 * ready (or the exit, for a pod that never turned ready) and exited. What a replica is paid for is
 * its life; the scenarios that count replica-seconds split it the way they need.
 */
record ModelPodLives(String pod, Instant created, Instant ready, Instant exited) {

    /** Seconds from creation to ready. */
    double loading() {
        return Scenario.seconds(created, ready);
    }

    /** Seconds from ready to exit, split at {@code finished}: [ready, cut) and [cut, exit). */
    Instant cut(Instant finished) {
        return finished.isBefore(ready) ? ready : finished.isAfter(exited) ? exited : finished;
    }

    double seconds() {
        return Scenario.seconds(created, exited);
    }

    /** Every model pod created at or after {@code since}, in exit order; fails while one still runs. */
    static List<ModelPodLives> since(EventLog events, Instant since) {
        Map<String, Instant> created = new HashMap<>();
        Map<String, Instant> ready = new HashMap<>();
        List<ModelPodLives> lives = new ArrayList<>();
        for (EventLog.Entry e : events.entries()) {
            String pod = e.object();
            if (e.source().equals("deployment-controller")
                    && e.message().startsWith("created pod ")
                    && !e.at().isBefore(since)) {
                created.put(Scenario.NS + "/" + e.message().substring("created pod ".length()), e.at());
            } else if (e.source().equals("kubelet")
                    && created.containsKey(pod)
                    && e.message().equals("ready")) {
                ready.putIfAbsent(pod, e.at());
            } else if (e.source().equals("kubelet")
                    && created.containsKey(pod)
                    && (e.message().startsWith("exited ") || e.message().startsWith("pod deleted"))) {
                lives.add(new ModelPodLives(pod, created.remove(pod), ready.getOrDefault(pod, e.at()), e.at()));
            }
        }
        if (!created.isEmpty()) {
            throw new IllegalStateException("model pods still running: " + created.keySet());
        }
        return lives;
    }
}
