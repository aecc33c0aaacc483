package io.palimpsest.worker.client;

/**
 * Tells a request the server cannot take (a per-document 400, e.g. a prompt over the context
 * length) from a setting the server refuses for every request (a 400 for {@code max_tokens} above
 * the model's length, an unknown parameter). Both come as 400, often with the same words and only
 * the token counts differing ("maximum context length is 4096 tokens; you requested 5012"). So:
 * {@code threshold} refusals in a row whose messages are the same once numbers are set aside,
 * before the server ever answered a request of this run, are a job-wide refusal. A run whose first
 * documents are all too long stops too; that is the safe side (a clear error, nothing committed)
 * of a choice between stopping and committing a wrong reject for every document. Once any request
 * succeeded, the settings are known to work and refusals stay per document. Thread-safe.
 */
public final class RepeatedRefusal {

    private final int threshold;
    private String lastMessage;
    private int inARow;
    /** Volatile so that the hot path (every successful reply) reads it without taking the lock. */
    private volatile boolean anySuccess;

    public RepeatedRefusal(int threshold) {
        if (threshold < 2) {
            throw new IllegalArgumentException("threshold must be at least 2, got " + threshold);
        }
        this.threshold = threshold;
    }

    public void succeeded() {
        if (anySuccess) {
            return;
        }
        synchronized (this) {
            anySuccess = true;
            inARow = 0;
            lastMessage = null;
        }
    }

    /** Records a per-document refusal; true when it shows the refusal is the same for every document. */
    public synchronized boolean refused(int status, String message) {
        if (anySuccess) {
            return false;
        }
        String key = status + " " + message.replaceAll("\\d+", "#");
        if (key.equals(lastMessage)) {
            inARow++;
        } else {
            lastMessage = key;
            inARow = 1;
        }
        return inARow >= threshold;
    }
}
