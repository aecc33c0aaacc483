package io.palimpsest.worker.storage;

import java.io.IOException;
import java.util.Optional;

/**
 * The object store refused this job's credentials (403 AccessDenied, InvalidAccessKeyId,
 * SignatureDoesNotMatch), or the credentials could not be read at all (the mounted Secret lacks a
 * key or cannot be read, or the default chain finds none). The same answer awaits every shard: the
 * attempt exits 78 and the Job fails at once (podFailurePolicy FailJob) instead of each shard
 * spending its attempts on it. An expired session token is not this: tokens are refreshed, so it
 * fails only the attempt.
 */
public final class StoreRefusedException extends IOException {

    public StoreRefusedException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The one among {@code failure} and its causes, if there is one. */
    public static Optional<StoreRefusedException> in(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof StoreRefusedException refused) {
                return Optional.of(refused);
            }
        }
        return Optional.empty();
    }
}
