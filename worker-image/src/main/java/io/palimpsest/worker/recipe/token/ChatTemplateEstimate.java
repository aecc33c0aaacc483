package io.palimpsest.worker.recipe.token;

import java.util.List;

/**
 * What a chat template is taken to add to a request's messages when the model's own template cannot be asked
 * ({@code tokenizer.mode: estimate}). The templates of today's instruct models wrap each message in 4 to 6 tokens
 * (ChatML's {@code <|im_start|>role\n ... <|im_end|>\n}, Llama 3's header and end-of-turn markers, Kimi's
 * {@code <|im_system|>...<|im_middle|>...<|im_end|>}) and open the reply with 3 to 5 more (and a start-of-text
 * token); this allows {@value #PER_MESSAGE} a message and {@value #REPLY_OPENING} for the reply's opening, so a
 * budget counted with it stays under the context with such a template. A template that writes more (a default
 * system prompt, a date line) is one to measure: {@code tokenizer.mode: server} asks the server once per shape of
 * request.
 */
public final class ChatTemplateEstimate {
    /** Tokens allowed for one message's role marker and wrapping. */
    public static final int PER_MESSAGE = 8;

    /** Tokens allowed for the generation prompt and the start of the text. */
    public static final int REPLY_OPENING = 8;

    private ChatTemplateEstimate() {}

    static int tokens(List<String> roles) {
        return roles.isEmpty() ? 0 : PER_MESSAGE * roles.size() + REPLY_OPENING;
    }
}
