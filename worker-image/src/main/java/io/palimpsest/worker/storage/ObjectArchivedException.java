package io.palimpsest.worker.storage;

import java.io.IOException;
import java.util.Optional;

/**
 * The store answered that the object is archived (403 InvalidObjectState: a storage class such as
 * GLACIER or DEEP_ARCHIVE, often set by a lifecycle rule) and has to be restored before it can be
 * read. It is about that object, not the job's credentials: an input file so answered is the
 * shard's data being unreadable (bad data, exit 42); anything else read so fails the attempt.
 */
public final class ObjectArchivedException extends IOException {

    private final String object;

    /** @param object the archived object's URI ({@code s3://bucket/key}) */
    public ObjectArchivedException(String object, String message, Throwable cause) {
        super(message, cause);
        this.object = object;
    }

    /** The archived object's URI ({@code s3://bucket/key}). */
    public String object() {
        return object;
    }

    /** The one among {@code failure} and its causes, if there is one. */
    public static Optional<ObjectArchivedException> in(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ObjectArchivedException archived) {
                return Optional.of(archived);
            }
        }
        return Optional.empty();
    }
}
