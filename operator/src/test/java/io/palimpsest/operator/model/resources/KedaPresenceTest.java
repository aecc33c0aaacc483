package io.palimpsest.operator.model.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.palimpsest.operator.job.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** When the operator asks the cluster whether KEDA is there, and what it answers meanwhile. */
class KedaPresenceTest {
    private static final String ABSENT = "no ScaledObject API";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T12:00:00Z"));
    private final KedaPresence presence = new KedaPresence(clock);

    /** The cluster's answers in order (null: served); counts how often it was asked. */
    private static final class Cluster implements Supplier<String> {
        final List<String> answers;
        int asked;

        Cluster(String... answers) {
            this.answers = Arrays.asList(answers);
        }

        /** The next answer; the last one is repeated. */
        @Override
        public String get() {
            return answers.get(Math.min(asked++, answers.size() - 1));
        }
    }

    @Test
    void servedIsAskedOnceForTheWholeOperator() {
        Cluster cluster = new Cluster((String) null);
        for (int i = 0; i < 5; i++) {
            assertNull(presence.problem(i % 2 == 0, cluster));
            clock.advance(Duration.ofMinutes(10));
        }
        assertEquals(1, cluster.asked);
    }

    @Test
    void absentIsAskedAgainAtEachKedaModelAndOncePerIntervalOtherwise() {
        Cluster cluster = new Cluster(ABSENT);
        assertEquals(ABSENT, presence.problem(false, cluster));
        assertEquals(ABSENT, presence.problem(false, cluster)); // a queue-mode model: the last answer
        assertEquals(1, cluster.asked);
        assertEquals(ABSENT, presence.problem(true, cluster)); // a keda-mode model asks again
        assertEquals(ABSENT, presence.problem(true, cluster));
        assertEquals(3, cluster.asked);
        clock.advance(KedaPresence.RECHECK_ABSENT.minusSeconds(1));
        presence.problem(false, cluster);
        assertEquals(3, cluster.asked);
        clock.advance(Duration.ofSeconds(1));
        presence.problem(false, cluster);
        assertEquals(4, cluster.asked);
    }

    @Test
    void kedaInstalledLaterIsPickedUpWithoutARestart() {
        Cluster cluster = new Cluster(ABSENT, null);
        assertEquals(ABSENT, presence.problem(true, cluster));
        assertNull(presence.problem(true, cluster));
        assertNull(presence.problem(false, cluster));
        assertEquals(2, cluster.asked);
    }
}
