package io.palimpsest.worker.client;

/**
 * The model refused the job's requests in a way that is the same for every document (wrong API key,
 * unknown model name, a setting the server rejects). No document can succeed: the attempt stops at
 * once, commits nothing, and exits 78 so the operator fails the whole job. The message names the
 * endpoint, the HTTP status and the server's words, never the key.
 */
public class ModelConfigException extends RuntimeException {
    private final int status;

    public ModelConfigException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
