package io.palimpsest.worker.recipe.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.client.ModelConfigException;
import io.palimpsest.worker.client.ModelUnavailableException;
import io.palimpsest.worker.recipe.token.TokenCounter;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Exact counts from the serving engine's own tokenizer (vLLM's POST /tokenize), for recipes that
 * set tokenizer.mode: server. One round trip per count, so chunking gets slower: worth it only
 * where an estimate's 10-15% error matters (a budget right at the context length).
 *
 * <p>Sent by the job's {@link ModelClient} ({@link ModelClient#tokenize}): with the model's API key,
 * through its outage gate and retries, so a count fails the way a model call does: a refusal that is
 * the same for every document stops the job ({@link io.palimpsest.worker.client.ModelConfigException},
 * exit 78), an outage past its limit ends the attempt
 * ({@link io.palimpsest.worker.client.ModelUnavailableException}, exit 75).
 */
public final class HttpTokenCounter implements TokenCounter {
    private final ModelClient client;
    private final String model;
    private final ObjectMapper json;

    public HttpTokenCounter(ModelClient client, String model, ObjectMapper json) {
        this.client = client;
        this.model = model;
        this.json = json;
    }

    @Override
    public int count(String text) {
        var body =
                json.createObjectNode().put("model", model).put("prompt", text).put("add_special_tokens", false);
        try {
            return client.tokenize(body).get();
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof ModelConfigException || cause instanceof ModelUnavailableException) {
                throw (RuntimeException) cause;
            }
            // retries spent (5xx, timeouts, a refused connection short of an outage): as a model call's
            throw new CountFailedException("counting tokens at the model server failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while counting tokens", e);
        }
    }

    /** A count failed after the client's retries: the document is tried again like one whose model call failed. */
    public static final class CountFailedException extends RuntimeException {
        CountFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
