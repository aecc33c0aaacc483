package io.palimpsest.worker.recipe;

/**
 * Thrown (or used to complete a {@link ModelCall}'s stage exceptionally) when the server refused
 * this one request for good, e.g. a 400 for a prompt over the context length: the engine rejects
 * that output (model_rejected) and goes on. Any other failure propagates and fails the document,
 * so the worker can tell an unreachable server from a bad request.
 */
public class ModelCallRejected extends RuntimeException {
    private final int status;
    private final String serverMessage;

    public ModelCallRejected(String message) {
        this(0, message, message);
    }

    /**
     * @param status        the HTTP status the server answered (0 when not known)
     * @param message       the rejection's detail, as the document's reject carries it
     * @param serverMessage what the server said (its body), for reports
     */
    public ModelCallRejected(int status, String message, String serverMessage) {
        super(message);
        this.status = status;
        this.serverMessage = serverMessage;
    }

    /** The HTTP status the server answered, 0 when not known. */
    public int status() {
        return status;
    }

    /** What the server said (its body, redacted), for reports. */
    public String serverMessage() {
        return serverMessage;
    }
}
