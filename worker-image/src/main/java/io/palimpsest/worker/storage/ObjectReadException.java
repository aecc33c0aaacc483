package io.palimpsest.worker.storage;

import java.io.IOException;

/**
 * Reading a stored object failed in the store or on the way from it (cut again and again past the
 * resumes, or replaced while it was read), not in its bytes: the next attempt can read it whole,
 * so this is never reported as bad data.
 */
public final class ObjectReadException extends IOException {

    public ObjectReadException(String message, Throwable cause) {
        super(message, cause);
    }
}
