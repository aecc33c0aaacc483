package io.palimpsest.worker.recipe;

import io.palimpsest.api.recipe.Sampling;
import io.palimpsest.worker.recipe.token.TokenCounter;
import java.util.List;

/**
 * A rendered call: chat messages (for /v1/chat/completions) or a raw prompt (for
 * /v1/completions), never both.
 *
 * @param purpose what the call is for, e.g. "variant:qa", "stage:pairs" or "judge:maga"; for logs
 *                and per-purpose counters, never sent to the server
 */
public record ModelRequest(List<ChatMessage> messages, String prompt, Sampling sampling, String purpose) {
    public ModelRequest {
        if ((messages == null) == (prompt == null)) {
            throw new IllegalArgumentException("a request has either chat messages or a raw prompt");
        }
        messages = messages == null ? null : List.copyOf(messages);
        sampling = sampling == null ? new Sampling() : sampling;
    }

    public static ModelRequest chat(List<ChatMessage> messages, Sampling sampling, String purpose) {
        return new ModelRequest(messages, null, sampling, purpose);
    }

    public static ModelRequest completion(String prompt, Sampling sampling, String purpose) {
        return new ModelRequest(null, prompt, sampling, purpose);
    }

    public boolean isChat() {
        return messages != null;
    }

    /** All the text the model reads, for token budgets. */
    public String inputText() {
        if (prompt != null) {
            return prompt;
        }
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) {
            if (sb.length() > 0) {
                sb.append("\n\n");
            }
            sb.append(m.content());
        }
        return sb.toString();
    }

    /**
     * The prompt tokens the server counts for this request, what a budget holds to the model's context: a raw
     * prompt's text; for chat messages their text and what the chat template adds around them
     * ({@link TokenCounter#chatTemplateTokens}).
     */
    public int promptTokens(TokenCounter tokens) {
        if (prompt != null) {
            return tokens.count(prompt);
        }
        return tokens.count(inputText())
                + tokens.chatTemplateTokens(
                        messages.stream().map(ChatMessage::role).toList());
    }
}
