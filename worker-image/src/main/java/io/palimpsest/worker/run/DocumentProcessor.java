package io.palimpsest.worker.run;

import io.palimpsest.worker.client.ModelConfigException;
import io.palimpsest.worker.client.ModelUnavailableException;
import io.palimpsest.worker.format.Document;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The seam between the shard machinery (reading, checkpoints, commit) and the recipe. A document's
 * problems (the model refused it, the output was truncated) come back as rejections; only a failure
 * of the whole run (the model is unreachable: {@link ModelUnavailableException}; it refuses every request:
 * {@link ModelConfigException}) or a document whose calls failed after every retry
 * ({@link DocumentFailedException}: the shard runner decides) completes exceptionally.
 */
public interface DocumentProcessor {

    CompletionStage<ProcessedDocument> process(Document document);

    /** The output datasets this processor writes (variant names), fixed for the run. */
    List<String> variants();

    /**
     * True once a document of this processor failed with {@link ModelUnavailableException} (the model's outage,
     * five documents in a row whose tries ran out among them). Set before that failure reaches the caller, and
     * before any answer judged after it returns: an answer that comes back while the failure is still on its way
     * already sees it, so the rejects taken before the outage are not released by it.
     */
    default boolean outageRecognised() {
        return false;
    }
}
