package io.palimpsest.worker.recipe;

/**
 * Thrown (or used to complete a {@link ModelCall}'s stage exceptionally) when the server refused
 * this one request for good, e.g. a 400 for a prompt over the context length: the engine rejects
 * that output (model_rejected) and goes on. Any other failure propagates and fails the document,
 * so the worker can tell an unreachable server from a bad request.
 */
public class ModelCallRejected extends RuntimeException {
    public ModelCallRejected(String message) {
        super(message);
    }
}
