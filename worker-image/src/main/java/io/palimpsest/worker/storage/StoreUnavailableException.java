package io.palimpsest.worker.storage;

import io.palimpsest.worker.config.ManifestField;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The object store stayed unavailable past the outage limit ({@code --max-outage}): the attempt
 * stops, keeps its checkpoints and exits 75 like a model outage, so the shard is retried later and
 * not charged a failed attempt. An IOException, so that it passes through the readers as the
 * store's failure and is never taken for bad data.
 */
public final class StoreUnavailableException extends IOException {

    private final List<ManifestField> about;

    public StoreUnavailableException(String message) {
        this(message, null, List.of());
    }

    /**
     * A store that gave no answer at all to the first request of a run by hand, about {@code about} (the job's
     * {@code spec.input.uri}), so that a run from manifest files can say at which line.
     */
    public StoreUnavailableException(String message, Throwable cause, List<ManifestField> about) {
        super(message, cause);
        this.about = List.copyOf(about);
    }

    /** The manifest field(s) the failure is about; empty when it is about none (an outage past the limit). */
    public List<ManifestField> about() {
        return about;
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
