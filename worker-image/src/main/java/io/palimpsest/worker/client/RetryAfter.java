package io.palimpsest.worker.client;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/** Parses a Retry-After header: delay-seconds or an HTTP date (RFC 9110 section 10.2.3). */
final class RetryAfter {

    private RetryAfter() {}

    static Optional<Duration> parse(Optional<String> header, Instant now) {
        if (header.isEmpty() || header.get().isBlank()) {
            return Optional.empty();
        }
        String value = header.get().trim();
        try {
            return Optional.of(Duration.ofMillis(Math.max(0, (long) (Double.parseDouble(value) * 1000))));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                return Optional.of(Duration.between(now, at).isNegative() ? Duration.ZERO : Duration.between(now, at));
            } catch (RuntimeException notADate) {
                return Optional.empty();
            }
        }
    }
}
