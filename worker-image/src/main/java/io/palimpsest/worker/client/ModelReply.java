package io.palimpsest.worker.client;

/**
 * The useful part of an OpenAI-compatible completion: the text, why generation stopped, and the
 * token usage of this one call (bounded by the model's context, so an int). The HTTP client returns
 * it and the recipe engine's {@code ModelCall} seam passes it on unchanged.
 *
 * @param finishReason as reported by the server: "stop", "length", ...; null when unknown
 */
public record ModelReply(String text, String finishReason, int promptTokens, int completionTokens) {

    public ModelReply {
        text = text == null ? "" : text;
    }
}
