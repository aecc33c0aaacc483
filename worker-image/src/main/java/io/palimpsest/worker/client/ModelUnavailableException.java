package io.palimpsest.worker.client;

/** The model endpoint stayed unreachable past the outage budget: stop, keep checkpoints, exit 75 so the shard is retried later. */
public class ModelUnavailableException extends RuntimeException {
    public ModelUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
