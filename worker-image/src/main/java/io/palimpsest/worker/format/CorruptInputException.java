package io.palimpsest.worker.format;

import java.io.IOException;

/**
 * The bytes of an input file are not what its format says (a damaged gzip member, bytes after the
 * last member that are not one, a file cut short): every read of it fails the same way, so its shard
 * fails as bad data instead of being retried or committed short. A failure of the store the bytes
 * come from is never this.
 */
public final class CorruptInputException extends IOException {

    public CorruptInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
