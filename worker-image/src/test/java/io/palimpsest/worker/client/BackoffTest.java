package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void fullJitterStaysUnderTheCappedExponential() {
        Backoff max = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), () -> 0.999999);
        assertEquals(499, max.delay(1, Optional.empty()).toMillis());
        assertEquals(3999, max.delay(4, Optional.empty()).toMillis());
        assertEquals(29999, max.delay(12, Optional.empty()).toMillis());
        Backoff min = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), () -> 0.0);
        assertEquals(0, min.delay(5, Optional.empty()).toMillis());
    }

    @Test
    void retryAfterIsAFloor() {
        Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), () -> 0.5);
        long delay = backoff.delay(1, Optional.of(Duration.ofSeconds(3))).toMillis();
        assertTrue(delay >= 3000 && delay <= 3500, "delay " + delay);
    }

    @Test
    void retryAfterParsesSecondsAndHttpDates() {
        Instant now = Instant.parse("2026-11-25T10:00:00Z");
        assertEquals(Optional.of(Duration.ofSeconds(2)), RetryAfter.parse(Optional.of("2"), now));
        assertEquals(
                Optional.of(Duration.ofSeconds(30)),
                RetryAfter.parse(Optional.of("Wed, 25 Nov 2026 10:00:30 GMT"), now));
        assertEquals(Optional.empty(), RetryAfter.parse(Optional.of("soon"), now));
        assertEquals(Optional.empty(), RetryAfter.parse(Optional.empty(), now));
    }

    @Test
    void queueMetricsAreSummedOverLabelSets() {
        String exposition = """
                # HELP vllm:num_requests_waiting Number of requests waiting.
                # TYPE vllm:num_requests_waiting gauge
                vllm:num_requests_waiting{model_name="a"} 3.0
                vllm:num_requests_waiting{model_name="b"} 4.0
                vllm:num_requests_waiting_extra 100
                vllm:num_requests_running{model_name="a"} 250.0
                """;
        EnginePage page = EnginePage.parse(exposition);
        assertEquals(7.0, page.waiting());
        assertEquals(250.0, page.running());
        assertEquals(-1.0, page.preemptionsTotal(), "absent, not zero");
    }
}
