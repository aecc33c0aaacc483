package io.palimpsest.operator.model.autoscale;

import io.fabric8.kubernetes.api.model.Pod;
import io.palimpsest.operator.model.ModelNames;
import io.palimpsest.operator.status.Rfc3339;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long a model's replicas take to load, as their pods showed it: from the pod's
 * creationTimestamp to its Ready condition's lastTransitionTime (scheduling, image pull, weights,
 * warm-up: what a new replica is paid for before it serves). The last {@value #KEPT} pods seen ready
 * per model are kept, so the figure outlives the pods (a model at zero has none); the median
 * resists one slow node or one cold image cache. A pod whose container restarted is not counted:
 * its Ready time is the restart's, not the load's.
 */
public final class ReplicaLoadTimes {
    static final int KEPT = 8;

    /**
     * @param seconds the median load of the pods counted
     * @param pods    how many pods it is the median of
     */
    public record Measured(double seconds, int pods) {
        /** For the preview's report: where the figure comes from. */
        public String source() {
            return String.format(
                    Locale.ROOT, "measured: median of the model's last %d pod(s), creationTimestamp to Ready", pods);
        }
    }

    private final Map<String, Map<String, Double>> byModel = new ConcurrentHashMap<>();

    /** Remembers the pod's load when it is a model pod that turned Ready; other pods are ignored. */
    public void observe(Pod pod) {
        String model = pod.getMetadata() == null || pod.getMetadata().getLabels() == null
                ? null
                : pod.getMetadata().getLabels().get(ModelNames.MODEL_LABEL);
        String uid = pod.getMetadata() == null ? null : pod.getMetadata().getUid();
        if (model == null || uid == null) {
            return;
        }
        loadSeconds(pod).ifPresent(seconds -> {
            Map<String, Double> kept =
                    byModel.computeIfAbsent(key(pod.getMetadata().getNamespace(), model), k -> new LinkedHashMap<>());
            synchronized (kept) {
                kept.putIfAbsent(uid, seconds);
                while (kept.size() > KEPT) {
                    kept.remove(kept.keySet().iterator().next());
                }
            }
        });
    }

    /** The median load of the model's last pods seen ready, or empty when none was seen. */
    public Optional<Measured> of(String namespace, String model) {
        Map<String, Double> kept = byModel.get(key(namespace, model));
        if (kept == null) {
            return Optional.empty();
        }
        List<Double> seconds;
        synchronized (kept) {
            seconds = new ArrayList<>(kept.values());
        }
        if (seconds.isEmpty()) {
            return Optional.empty();
        }
        Collections.sort(seconds);
        int n = seconds.size();
        double median = n % 2 == 1 ? seconds.get(n / 2) : (seconds.get(n / 2 - 1) + seconds.get(n / 2)) / 2;
        return Optional.of(new Measured(median, n));
    }

    /** Creation to Ready, for a pod that is Ready and never restarted; empty otherwise. */
    static Optional<Double> loadSeconds(Pod pod) {
        if (pod.getStatus() == null
                || pod.getStatus().getConditions() == null
                || pod.getMetadata().getCreationTimestamp() == null) {
            return Optional.empty();
        }
        if (pod.getStatus().getContainerStatuses() != null
                && pod.getStatus().getContainerStatuses().stream()
                        .anyMatch(c -> c.getRestartCount() != null && c.getRestartCount() > 0)) {
            return Optional.empty();
        }
        return pod.getStatus().getConditions().stream()
                .filter(c -> "Ready".equals(c.getType())
                        && "True".equals(c.getStatus())
                        && c.getLastTransitionTime() != null)
                .findFirst()
                .flatMap(c -> {
                    try {
                        Instant created = Rfc3339.parse(pod.getMetadata().getCreationTimestamp());
                        Instant ready = Rfc3339.parse(c.getLastTransitionTime());
                        return ready.isBefore(created)
                                ? Optional.empty()
                                : Optional.of(Duration.between(created, ready).toMillis() / 1000.0);
                    } catch (DateTimeParseException e) {
                        return Optional.empty();
                    }
                });
    }

    private static String key(String namespace, String model) {
        return namespace + "/" + model;
    }
}
