package io.palimpsest.worker.storage;

import java.io.IOException;
import java.util.Optional;

/**
 * The object store stayed unavailable past the outage limit ({@code --max-outage}): the attempt
 * stops, keeps its checkpoints and exits 75 like a model outage, so the shard is retried later and
 * not charged a failed attempt. An IOException, so that it passes through the readers as the
 * store's failure and is never taken for bad data.
 */
public final class StoreUnavailableException extends IOException {

    public StoreUnavailableException(String message) {
        super(message);
    }

    /** The one among {@code failure} and its causes, if there is one. */
    public static Optional<StoreUnavailableException> in(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof StoreUnavailableException unavailable) {
                return Optional.of(unavailable);
            }
        }
        return Optional.empty();
    }
}
