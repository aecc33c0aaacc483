package io.palimpsest.worker.client;

import java.time.Duration;
import java.util.Optional;

/** 408, 409, 429 or 5xx ({@link StatusPolicy}): try again later, no sooner than {@code retryAfter} when the server said so. */
public class RetryableStatusException extends RuntimeException {
    private final int status;
    private final Optional<Duration> retryAfter;

    public RetryableStatusException(int status, Optional<Duration> retryAfter, String body) {
        super("HTTP " + status + (body.isEmpty() ? "" : ": " + body));
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public int status() {
        return status;
    }

    public Optional<Duration> retryAfter() {
        return retryAfter;
    }

    /** The server, or a gateway before it, cannot take requests now ({@link StatusPolicy.Meaning#OUTAGE}): wait at the gate. */
    public boolean outage() {
        return StatusPolicy.of(status) == StatusPolicy.Meaning.OUTAGE;
    }

    /** The server says it is overloaded: a signal to lower concurrency, not only to wait. */
    public boolean overload() {
        return status == 429 || status == 503;
    }
}
