package io.palimpsest.worker.client;

/** The server refused this request (400, 404, 413, 422): the document is rejected with this reason, never retried. */
public class RejectedByModelException extends RuntimeException {
    private final int status;

    public RejectedByModelException(int status, String message) {
        super("HTTP " + status + ": " + message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
