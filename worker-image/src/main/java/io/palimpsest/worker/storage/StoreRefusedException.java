package io.palimpsest.worker.storage;

import java.io.IOException;
import java.util.Optional;

/**
 * The object store refused this job's credentials (403 AccessDenied, InvalidAccessKeyId,
 * SignatureDoesNotMatch, InvalidToken, or a 403 without a code, as a HEAD gets), or the mounted
 * credentials Secret cannot give them (it lacks a key or cannot be read). The same answer awaits
 * every shard: the attempt exits 78 and the Job fails at once (podFailurePolicy FailJob) instead of
 * each shard spending its attempts on it. Not this: an expired session token (tokens are
 * refreshed), the default chain finding no credentials (STS, the Pod Identity agent or instance
 * metadata failing for a moment), a 403 with another code such as InvalidObjectState (about one
 * object: {@link ObjectArchivedException}); they fail only the attempt or the shard.
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
