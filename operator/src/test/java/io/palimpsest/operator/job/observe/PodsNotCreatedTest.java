package io.palimpsest.operator.job.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodsNotCreatedTest {
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    private static Job workerJob(Instant created, int failedPods) {
        return new JobBuilder()
                .withNewMetadata()
                .withName("campaign-workers")
                .withNamespace("ns")
                .withCreationTimestamp(created.toString())
                .endMetadata()
                .withNewSpec()
                .withParallelism(4)
                .endSpec()
                .withNewStatus()
                .withActive(0)
                .withFailed(failedPods)
                .endStatus()
                .build();
    }

    @Test
    void aJobThatNeverMadeAPodIsToldAfterTheGrace() {
        PodsNotCreated.Reading reading =
                PodsNotCreated.of(List.of(workerJob(NOW.minus(Duration.ofMinutes(5)), 0)), List.of(), NOW);
        assertNotNull(reading.summary(), "no pod for 5 minutes and none ever failed: refused");
    }

    /** After failed pods the Job controller waits up to 6 minutes before the next: that is not a refusal. */
    @Test
    void aJobBetweenRetriesOfFailedPodsIsNotToldAsRefusedWithinTheControllersRetryDelay() {
        Instant created = NOW.minus(Duration.ofMinutes(5));
        PodsNotCreated.Reading reading = PodsNotCreated.of(List.of(workerJob(created, 4)), List.of(), NOW);
        assertNull(reading.summary(), "a Job waiting out its retry delay is not refused");
        assertEquals(created.plus(PodsNotCreated.GRACE).plus(PodsNotCreated.MAX_RETRY_DELAY), reading.due());

        PodsNotCreated.Reading later =
                PodsNotCreated.of(List.of(workerJob(created, 4)), List.of(), NOW.plus(Duration.ofMinutes(4)));
        assertNotNull(later.summary(), "past the longest retry delay, no pod is coming");
    }
}
