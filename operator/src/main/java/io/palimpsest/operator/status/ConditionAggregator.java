package io.palimpsest.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.palimpsest.api.common.Conditions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a resource's conditions for one reconcile from what the reconciler observed.
 *
 * <p>Level-based: every pass states the full set of conditions, and only those appear in the
 * result, in the order they were set. A condition whose status did not change keeps its
 * {@code lastTransitionTime} (reason and message may still change), so the result is equal to
 * the previous list whenever nothing changed and callers can skip the status write.
 */
public final class ConditionAggregator {
    private final Clock clock;

    public ConditionAggregator(Clock clock) {
        this.clock = clock;
    }

    /** Starts a pass; {@code previous} is the status' current list (may be null). */
    public Pass from(List<Condition> previous, Long observedGeneration) {
        return new Pass(previous, observedGeneration);
    }

    public final class Pass {
        private final Map<String, Condition> previous = new LinkedHashMap<>();
        private final Map<String, Condition> next = new LinkedHashMap<>();
        private final Long observedGeneration;

        private Pass(List<Condition> previous, Long observedGeneration) {
            if (previous != null) {
                previous.forEach(c -> this.previous.put(c.getType(), c));
            }
            this.observedGeneration = observedGeneration;
        }

        public Pass ready(boolean status, String reason, String message) {
            return set(Conditions.READY, status, reason, message);
        }

        public Pass progressing(boolean status, String reason, String message) {
            return set(Conditions.PROGRESSING, status, reason, message);
        }

        public Pass degraded(boolean status, String reason, String message) {
            return set(Conditions.DEGRADED, status, reason, message);
        }

        public Pass set(String type, boolean status, String reason, String message) {
            return set(type, status ? Conditions.TRUE : Conditions.FALSE, reason, message);
        }

        /** A typed reason: its {@code name()} is the string written. */
        public Pass ready(boolean status, Enum<?> reason, String message) {
            return ready(status, reason.name(), message);
        }

        public Pass progressing(boolean status, Enum<?> reason, String message) {
            return progressing(status, reason.name(), message);
        }

        public Pass degraded(boolean status, Enum<?> reason, String message) {
            return degraded(status, reason.name(), message);
        }

        public Pass set(String type, boolean status, Enum<?> reason, String message) {
            return set(type, status, reason.name(), message);
        }

        /** {@code status} is one of {@link Conditions#TRUE}, {@link Conditions#FALSE}, {@link Conditions#UNKNOWN}. */
        public Pass set(String type, String status, String reason, String message) {
            Condition before = previous.get(type);
            String transitionTime = before != null
                            && Objects.equals(before.getStatus(), status)
                            && before.getLastTransitionTime() != null
                    ? before.getLastTransitionTime()
                    : now();
            next.put(
                    type,
                    new ConditionBuilder()
                            .withType(type)
                            .withStatus(status)
                            .withReason(reason)
                            .withMessage(message == null ? "" : message)
                            .withObservedGeneration(observedGeneration)
                            .withLastTransitionTime(transitionTime)
                            .build());
            return this;
        }

        public List<Condition> build() {
            return new ArrayList<>(next.values());
        }

        private String now() {
            return Rfc3339.format(clock.instant());
        }
    }

    /** Finds a condition by type, or null. */
    public static Condition find(List<Condition> conditions, String type) {
        if (conditions == null) {
            return null;
        }
        return conditions.stream()
                .filter(c -> type.equals(c.getType()))
                .findFirst()
                .orElse(null);
    }

    public static boolean isTrue(List<Condition> conditions, String type) {
        Condition c = find(conditions, type);
        return c != null && Conditions.TRUE.equals(c.getStatus());
    }
}
