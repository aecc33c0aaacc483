package io.palimpsest.sim.text;

import java.util.List;

/**
 * Renders chat messages into the prompt text the simulated model "sees", the way vLLM applies a
 * model's chat template before counting prompt tokens. The format is minimal and fixed:
 * {@code <|role|>\ncontent\n} per message, then {@code <|assistant|>\n} as the generation prompt.
 * A marker is one token ({@link Tokenizer}), so each message costs about 3 tokens beyond its content
 * (its marker and two line breaks) and the generation prompt 2: what {@code /tokenize} with
 * {@code messages} counts, and what a chat completion's {@code prompt_tokens} and its check against
 * {@code maxModelLen} count, as vLLM counts a model's template. A client that budgets a chat request by
 * its messages' text alone is refused near the limit, as it would be by vLLM.
 */
public final class ChatTemplate {
    private ChatTemplate() {}

    public static String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) {
            sb.append("<|").append(m.role()).append("|>\n").append(m.content()).append('\n');
        }
        if (addGenerationPrompt) {
            sb.append("<|assistant|>\n");
        }
        return sb.toString();
    }
}
