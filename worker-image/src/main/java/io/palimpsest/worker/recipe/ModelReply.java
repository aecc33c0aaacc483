package io.palimpsest.worker.recipe;

/**
 * What came back from one call.
 *
 * @param finishReason as reported by the server: "stop", "length", ...; null when unknown
 */
public record ModelReply(String text, String finishReason, int promptTokens, int completionTokens) {
    public static final String FINISH_LENGTH = "length";

    public ModelReply {
        text = text == null ? "" : text;
    }

    public boolean hitLengthLimit() {
        return FINISH_LENGTH.equals(finishReason);
    }
}
