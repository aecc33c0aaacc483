package io.palimpsest.worker.client;

/** The useful part of an OpenAI-compatible completion: the text, why generation stopped, and the token usage. */
public record ModelReply(String text, String finishReason, long promptTokens, long completionTokens) {

    public boolean truncated() {
        return "length".equals(finishReason);
    }
}
