package io.palimpsest.worker.format;

/** The shard's input cannot be read (missing file, corrupt compression, unreadable Parquet): retrying will not help, exit 42. */
public class ShardDataException extends RuntimeException {
    public ShardDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
