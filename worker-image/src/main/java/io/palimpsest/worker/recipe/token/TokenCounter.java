package io.palimpsest.worker.recipe.token;

import java.util.List;

/** Counts tokens for budgets and chunking. Implementations must be thread-safe. */
@FunctionalInterface
public interface TokenCounter {
    int count(String text);

    /**
     * The tokens a chat request's template adds to its messages' text, for messages of these roles in this order:
     * role markers, each message's wrapping, the generation prompt that opens the reply. The server counts them
     * against the model's context like the text itself, so a budget that left them out would send requests the
     * server refuses (HTTP 400). Counted on top of the messages' text as {@code ModelRequest.inputText()} joins it
     * (a blank line between two messages).
     *
     * <p>By default an estimate, {@link ChatTemplateEstimate}: a local count cannot see the model's template. A
     * counter that asks the server measures it there.
     */
    default int chatTemplateTokens(List<String> roles) {
        return ChatTemplateEstimate.tokens(roles);
    }
}
