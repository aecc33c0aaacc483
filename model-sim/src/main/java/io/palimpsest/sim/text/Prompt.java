package io.palimpsest.sim.text;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A request's prompt, seen three ways: the text response rules match against, the text the
 * model would be fed (chat template applied; its tokens are the prompt tokens), and the
 * document to rewrite.
 *
 * @param matchText     the completion prompt, or the chat messages' contents joined by blank lines
 * @param modelInput    what is tokenized for {@code prompt_tokens}
 * @param document      the text inside the last {@code <document>...</document>} if any, else the
 *                      last user message (chat) or the whole prompt (completions)
 * @param systemMessage the first system message of a chat, or ""
 */
public record Prompt(String matchText, String modelInput, String document, String systemMessage) {
    private static final Pattern DOCUMENT = Pattern.compile("(?is)<document>(.*?)</document>");

    public static Prompt ofCompletion(String prompt) {
        return new Prompt(prompt, prompt, extractDocument(prompt, prompt), "");
    }

    public static Prompt ofChat(List<ChatMessage> messages) {
        String joined =
                String.join("\n\n", messages.stream().map(ChatMessage::content).toList());
        String lastUser = "";
        String system = "";
        for (ChatMessage m : messages) {
            if (m.role().equals("user")) {
                lastUser = m.content();
            } else if (m.role().equals("system") && system.isEmpty()) {
                system = m.content();
            }
        }
        return new Prompt(joined, ChatTemplate.render(messages, true), extractDocument(joined, lastUser), system);
    }

    private static String extractDocument(String text, String fallback) {
        Matcher m = DOCUMENT.matcher(text);
        String found = null;
        while (m.find()) {
            found = m.group(1);
        }
        return found != null ? stripNewlines(found) : fallback;
    }

    /** Only line breaks around the tags go, so indentation and inner blank lines stay. */
    private static String stripNewlines(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && (s.charAt(start) == '\n' || s.charAt(start) == '\r')) {
            start++;
        }
        while (end > start && Character.isWhitespace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }
}
