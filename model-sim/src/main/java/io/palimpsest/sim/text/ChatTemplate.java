package io.palimpsest.sim.text;

import java.util.List;

/**
 * Renders chat messages into the prompt text the simulated model "sees", the way vLLM applies a
 * model's chat template before counting prompt tokens. The format is minimal and fixed:
 * {@code <|role|>\ncontent\n} per message, then {@code <|assistant|>\n} as the generation prompt.
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
