package io.palimpsest.sim.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.palimpsest.sim.text.ChatMessage;
import io.palimpsest.sim.text.Prompt;
import java.util.ArrayList;
import java.util.List;

/** Validates a request body as vLLM would and turns it into a {@link CompletionRequest}. */
public final class CompletionRequestParser {
    private CompletionRequestParser() {}

    public static CompletionRequest parse(CompletionRequest.Kind kind, JsonNode body, String servedModel) {
        if (body == null || !body.isObject()) {
            throw ApiError.badRequest("The request body must be a JSON object.");
        }
        JsonNode model = body.get("model");
        if (model != null && !model.isNull() && !model.asText().equals(servedModel)) {
            throw ApiError.notFound("The model `" + model.asText() + "` does not exist.");
        }
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && n.asInt(1) != 1) {
            throw ApiError.badRequest("model-sim supports only n=1.");
        }
        Prompt prompt = kind == CompletionRequest.Kind.CHAT
                ? Prompt.ofChat(messages(body.get("messages")))
                : Prompt.ofCompletion(promptText(body.get("prompt")));
        JsonNode max =
                body.hasNonNull("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
        Integer maxTokens = null;
        if (max != null && !max.isNull()) {
            if (!max.canConvertToInt() || !max.isIntegralNumber() || max.asInt() < 1) {
                throw ApiError.badRequest("max_tokens must be at least 1, got " + max + ".");
            }
            maxTokens = max.asInt();
        }
        JsonNode streamOptions = body.path("stream_options");
        // vLLM's StreamOptions: include_usage defaults to true, continuous_usage_stats to false
        boolean includeUsage =
                streamOptions.isObject() && streamOptions.path("include_usage").asBoolean(true);
        boolean continuousUsage =
                includeUsage && streamOptions.path("continuous_usage_stats").asBoolean(false);
        return new CompletionRequest(
                kind,
                prompt,
                maxTokens,
                stops(body.get("stop")),
                body.path("stream").asBoolean(false),
                includeUsage,
                continuousUsage,
                body.hasNonNull("seed") ? body.get("seed").asLong() : null);
    }

    /** Chat messages; content may be a string, null, or a list of {type: text} parts. */
    public static List<ChatMessage> messages(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiError.badRequest("'messages' must be a non-empty list.");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (JsonNode m : messages) {
            String role = m.path("role").asText(null);
            if (role == null) {
                throw ApiError.badRequest("every message needs a 'role'.");
            }
            out.add(new ChatMessage(role, content(m.get("content"))));
        }
        return out;
    }

    private static String content(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : content) {
                if (part.path("type").asText("").equals("text")) {
                    if (sb.length() > 0) {
                        sb.append('\n');
                    }
                    sb.append(part.path("text").asText(""));
                }
            }
            return sb.toString();
        }
        throw ApiError.badRequest("message content must be a string or a list of parts.");
    }

    private static String promptText(JsonNode prompt) {
        if (prompt != null && prompt.isTextual()) {
            return prompt.asText();
        }
        if (prompt != null
                && prompt.isArray()
                && prompt.size() == 1
                && prompt.get(0).isTextual()) {
            return prompt.get(0).asText();
        }
        throw ApiError.badRequest("'prompt' must be a string (model-sim takes one prompt per request).");
    }

    private static List<String> stops(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isTextual()) {
            return List.of(stop.asText());
        }
        if (stop.isArray()) {
            List<String> out = new ArrayList<>();
            stop.forEach(s -> out.add(s.asText()));
            return out;
        }
        throw ApiError.badRequest("'stop' must be a string or a list of strings.");
    }
}
