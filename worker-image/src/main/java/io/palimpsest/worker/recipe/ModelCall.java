package io.palimpsest.worker.recipe;

import io.palimpsest.worker.client.ModelReply;
import java.util.concurrent.CompletionStage;

/**
 * The one thing the recipe engine needs from a model server. The worker's HTTP client implements
 * it (with its retries, backoff and concurrency limits); tests implement it with a lambda.
 */
@FunctionalInterface
public interface ModelCall {
    CompletionStage<ModelReply> call(ModelRequest request);
}
