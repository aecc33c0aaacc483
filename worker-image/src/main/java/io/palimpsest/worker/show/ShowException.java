package io.palimpsest.worker.show;

/** An output, id, shard or variant that cannot be shown; the message says which and what there is instead. */
public final class ShowException extends RuntimeException {
    public ShowException(String message) {
        super(message);
    }
}
