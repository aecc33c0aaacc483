package io.palimpsest.worker.client;

import java.time.Duration;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * Full-jitter exponential backoff (a uniform wait in [0, min(cap, base * 2^attempt)]), the variant
 * that spreads a crowd of clients best. A server's Retry-After is a floor: we wait at least that long,
 * plus a little jitter so that clients told the same time do not return together.
 */
public final class Backoff {

    private final Duration base;
    private final Duration cap;
    private final DoubleSupplier random;

    public Backoff(Duration base, Duration cap, DoubleSupplier random) {
        this.base = base;
        this.cap = cap;
        this.random = random;
    }

    /** Wait before retry number {@code attempt} (1 = the first retry). */
    public Duration delay(int attempt, Optional<Duration> retryAfter) {
        double ceiling = Math.min(cap.toMillis(), base.toMillis() * Math.pow(2, Math.max(0, attempt - 1)));
        long jitter = (long) (random.getAsDouble() * ceiling);
        if (retryAfter.isPresent()) {
            return retryAfter.get().plusMillis((long) (random.getAsDouble() * base.toMillis()));
        }
        return Duration.ofMillis(jitter);
    }
}
