package io.palimpsest.operator.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.fabric8.kubernetes.api.model.Condition;
import io.palimpsest.api.common.Conditions;
import io.palimpsest.api.v1alpha1.ModelReason;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionAggregatorTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static ConditionAggregator at(Instant t) {
        return new ConditionAggregator(Clock.fixed(t, ZoneOffset.UTC));
    }

    @Test
    void keepsTransitionTimeWhileTheStatusHolds() {
        List<Condition> first = at(T0).from(null, 1L)
                .ready(false, ModelReason.Loading, "loading")
                .build();
        List<Condition> second = at(T0.plusSeconds(60))
                .from(first, 1L)
                .ready(false, ModelReason.Loading, "still loading")
                .build();
        assertEquals("2026-01-01T00:00:00Z", second.get(0).getLastTransitionTime());
        assertEquals("still loading", second.get(0).getMessage());
    }

    @Test
    void stampsANewTransitionTimeWhenTheStatusFlips() {
        List<Condition> first =
                at(T0).from(null, 1L).ready(false, ModelReason.Loading, "").build();
        List<Condition> second = at(T0.plusSeconds(90))
                .from(first, 2L)
                .ready(true, ModelReason.ReplicasReady, "")
                .build();
        assertEquals("2026-01-01T00:01:30Z", second.get(0).getLastTransitionTime());
        assertEquals(2L, second.get(0).getObservedGeneration());
    }

    @Test
    void anUnchangedPassEqualsThePreviousList() {
        List<Condition> first = at(T0).from(null, 3L)
                .ready(true, ModelReason.ReplicasReady, "2/2")
                .progressing(false, ModelReason.ReplicasReady, "")
                .degraded(false, ModelReason.ReplicasReady, "")
                .build();
        List<Condition> again = at(T0.plusSeconds(3600))
                .from(first, 3L)
                .ready(true, ModelReason.ReplicasReady, "2/2")
                .progressing(false, ModelReason.ReplicasReady, "")
                .degraded(false, ModelReason.ReplicasReady, "")
                .build();
        assertEquals(first, again, "callers skip the status write on equality");
        List<Condition> changed = at(T0.plusSeconds(3600))
                .from(first, 3L)
                .ready(true, ModelReason.ReplicasReady, "3/3")
                .progressing(false, ModelReason.ReplicasReady, "")
                .degraded(false, ModelReason.ReplicasReady, "")
                .build();
        assertNotEquals(first, changed);
    }

    @Test
    void onlyConditionsSetInThisPassRemainInSetOrder() {
        List<Condition> first = at(T0).from(null, 1L)
                .set("Custom", true, "Why", "")
                .ready(true, "R", "")
                .build();
        List<Condition> second = at(T0).from(first, 1L)
                .degraded(true, "D", "")
                .ready(true, "R", "")
                .build();
        assertEquals(
                List.of(Conditions.DEGRADED, Conditions.READY),
                second.stream().map(Condition::getType).toList());
    }
}
