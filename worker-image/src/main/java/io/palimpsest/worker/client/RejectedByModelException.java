package io.palimpsest.worker.client;

/** The server refused this request (400, 404, 413, 422): the document is rejected with this reason, never retried. */
public class RejectedByModelException extends RuntimeException {
    private final int status;
    private final String body;

    public RejectedByModelException(int status, String message) {
        super("HTTP " + status + ": " + message);
        this.status = status;
        this.body = message;
    }

    /** What the server answered (its body, redacted and cut short as the client reads it). */
    public String body() {
        return body;
    }

    public int status() {
        return status;
    }
}
