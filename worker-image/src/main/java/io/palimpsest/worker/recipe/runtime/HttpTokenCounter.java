package io.palimpsest.worker.recipe.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.client.ModelConfigException;
import io.palimpsest.worker.client.ModelUnavailableException;
import io.palimpsest.worker.client.RejectedByModelException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.recipe.ModelCallRejected;
import io.palimpsest.worker.recipe.token.TokenCounter;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

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
    /** The chat template's tokens by the roles of a request's messages: a recipe has a shape or two. */
    private final Map<List<String>, Integer> templates = new ConcurrentHashMap<>();

    public HttpTokenCounter(ModelClient client, String model, ObjectMapper json) {
        this.client = client;
        this.model = model;
        this.json = json;
    }

    /**
     * One count before the first document, so that an answer the same for every document (no
     * /tokenize on this server, a key it refuses, an unknown model name) is known before any work:
     * the client then refuses every call at once ({@link ModelClient#refusal}) and the first document
     * stops the attempt (exit 78) with nothing committed. Waits at most {@code wait}, and no longer
     * than until {@code stopping} says the process was told to stop (SIGTERM): a slow server or an
     * outage must not hold a shard's start past the time the signal leaves for committing and
     * reporting. Anything but a refusal for all (an outage, a slow server) is left to the documents'
     * own counts, retried as calls are.
     */
    public void preflight(Duration wait, BooleanSupplier stopping) {
        CompletableFuture<Integer> count = client.tokenize(body("."));
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            while (!stopping.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    count.get(Math.min(left, STOP_CHECK.toNanos()), TimeUnit.NANOSECONDS);
                    return;
                } catch (TimeoutException slice) {
                    // not answered yet: look at the stop signal again
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | RuntimeException e) {
            // a refusal for all is kept by the client; the rest is the documents' to meet
        }
    }

    /** How often a pre-flight count that has not been answered yet looks at the stop signal. */
    static final Duration STOP_CHECK = Duration.ofMillis(50);

    private ObjectNode body(String text) {
        return json.createObjectNode().put("model", model).put("prompt", text).put("add_special_tokens", false);
    }

    @Override
    public int count(String text) {
        return counted(body(text));
    }

    /**
     * The server's chat template's tokens for messages of these roles, measured once per shape and kept: the
     * messages, each with the same one-word content, counted as a chat request (vLLM's /tokenize with
     * {@code messages} and {@code add_generation_prompt}, which applies the model's template), less the same
     * contents counted as the text the worker counts for them.
     *
     * <p>Why not count each whole request with its messages: the template's tokens are the same for every request
     * of a shape (its markers do not depend on the text inside them), so one measurement serves a whole run, where
     * counting every rendered request again would be one more round trip per chunk and the server's tokenizer
     * paid twice for each prompt at a billion documents; the chunk packer still has to count bare text. Where the
     * text meets the template a merge may differ by a token, which the budget's slack takes.
     */
    @Override
    public int chatTemplateTokens(List<String> roles) {
        if (roles.isEmpty()) {
            return 0;
        }
        Integer known = templates.get(roles);
        if (known != null) {
            return known;
        }
        ObjectNode chat = json.createObjectNode().put("model", model);
        ArrayNode messages = chat.putArray("messages");
        for (String role : roles) {
            messages.addObject().put("role", role).put("content", TEMPLATE_PROBE);
        }
        chat.put("add_generation_prompt", true);
        int withTemplate;
        try {
            withTemplate = counted(chat);
        } catch (ModelCallRejected refused) {
            // nothing of a document is in it: refused for one, refused for all, and no document is to blame
            throw new ModelConfigException(
                    refused.status(),
                    "the model server's /tokenize refused the messages of a chat request (" + refused.getMessage()
                            + "): tokenizer.mode: server measures there what the model's chat template adds to a"
                            + " request's messages, which every request's budget counts; this server counts text"
                            + " only, so set tokenizer.mode: estimate, which allows for the template instead",
                    List.of(TOKENIZER_MODE));
        }
        int measured = withTemplate - count(String.join("\n\n", Collections.nCopies(roles.size(), TEMPLATE_PROBE)));
        int tokens = Math.max(0, measured);
        templates.putIfAbsent(List.copyOf(roles), tokens);
        return tokens;
    }

    /** Where a refusal of the template's measurement is placed: the setting that asks the server to count. */
    private static final ManifestField TOKENIZER_MODE = ManifestField.job("spec.recipe.tokenizer.mode");

    /** The content of each message when the template's tokens are measured. */
    static final String TEMPLATE_PROBE = "text";

    private int counted(ObjectNode body) {
        try {
            return client.tokenize(body).get();
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof ModelConfigException || cause instanceof ModelUnavailableException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof RejectedByModelException refused) {
                // this document's text refused (413, 400): rejected like a model call the server refused
                throw new ModelCallRejected(refused.status(), refused.getMessage(), refused.body());
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
