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
}
