package io.palimpsest.sim.http;

import io.palimpsest.sim.text.Prompt;
import java.util.List;

/**
 * The parts of an OpenAI completion request the simulator acts on.
 *
 * @param maxTokens max_tokens (or max_completion_tokens), null when the client set none
 * @param seed      the request's seed, mixed into the simulator's, or null
 * @param includeUsage    a final usage chunk: {@code stream_options} present, {@code include_usage} not false
 *                        (vLLM's default is true, so {@code stream_options: {}} includes it)
 * @param continuousUsage usage on every chunk: {@code stream_options.continuous_usage_stats} with includeUsage
 */
public record CompletionRequest(
        Kind kind,
        Prompt prompt,
        Integer maxTokens,
        List<String> stop,
        boolean stream,
        boolean includeUsage,
        boolean continuousUsage,
        Long seed) {

    /** Which endpoint, which decides response shapes and the default max_tokens. */
    public enum Kind {
        CHAT("chat.completion", "chatcmpl-"),
        TEXT("text_completion", "cmpl-");

        private final String object;
        private final String idPrefix;

        Kind(String object, String idPrefix) {
            this.object = object;
            this.idPrefix = idPrefix;
        }

        public String object() {
            return object;
        }

        public String chunkObject() {
            return this == CHAT ? "chat.completion.chunk" : "text_completion";
        }

        public String idPrefix() {
            return idPrefix;
        }
    }

    public CompletionRequest {
        stop = List.copyOf(stop);
    }
}
