package io.palimpsest.worker.run;

import io.palimpsest.worker.client.RetryableStatusException;
import java.io.IOException;
import java.util.concurrent.CompletionException;

/**
 * One document could not be processed: its model calls failed after every retry (HTTP 500s,
 * timeouts), or the recipe failed on it. While the shard has attempts left this fails the attempt
 * (exit 75) and the Job retries the shard from its last checkpoint; only the shard's last attempt
 * commits the document as a {@code model_error} reject, so a transient outage never becomes a hole
 * in the output, and a true poison document cannot block the campaign for ever.
 */
public class DocumentFailedException extends RuntimeException {

    public DocumentFailedException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The cause is the model server's (a status or a broken connection), not the recipe's. */
    public boolean modelError() {
        Throwable cause = getCause();
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof RetryableStatusException || cause instanceof IOException;
    }
}
