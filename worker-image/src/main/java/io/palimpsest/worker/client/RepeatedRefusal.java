package io.palimpsest.worker.client;

/**
 * Tells a request the server cannot take (a per-document 400, e.g. a prompt over the context
 * length) from a setting the server refuses for every request (a 400 for {@code max_tokens} above
 * the model's length, an unknown parameter). Both come as 400; vLLM's message for a too-long prompt
 * names the document's own token counts, so it differs from one document to the next, while a
 * setting's message is the same each time. So: {@code threshold} refusals in a row with the very
 * same message, before the server ever answered a request of this run, are a job-wide refusal.
 * Once any request succeeded, the settings are known to work and refusals stay per document.
 * Thread-safe.
 */
public final class RepeatedRefusal {

    private final int threshold;
    private String lastMessage;
    private int inARow;
    private boolean anySuccess;

    public RepeatedRefusal(int threshold) {
        if (threshold < 2) {
            throw new IllegalArgumentException("threshold must be at least 2, got " + threshold);
        }
        this.threshold = threshold;
    }

    public synchronized void succeeded() {
        anySuccess = true;
        inARow = 0;
        lastMessage = null;
    }

    /** Records a per-document refusal; true when it shows the refusal is the same for every document. */
    public synchronized boolean refused(int status, String message) {
        if (anySuccess) {
            return false;
        }
        String key = status + " " + message;
        if (key.equals(lastMessage)) {
            inARow++;
        } else {
            lastMessage = key;
            inARow = 1;
        }
        return inARow >= threshold;
    }
}
