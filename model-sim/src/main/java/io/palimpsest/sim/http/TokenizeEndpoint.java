package io.palimpsest.sim.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.sim.text.ChatTemplate;
import io.palimpsest.sim.text.Tokenizer;

/**
 * {@code POST /tokenize}, vLLM's shape: {@code {"prompt": "..."}} or {@code {"messages": [...]}}
 * in, {@code {"count", "max_model_len", "tokens"}} out. Counts agree with {@code usage}:
 * a chat's messages are counted with the same template a chat completion uses.
 */
final class TokenizeEndpoint {
    private TokenizeEndpoint() {}

    static ObjectNode tokenize(JsonNode body, String servedModel, int maxModelLen) {
        if (body == null || !body.isObject()) {
            throw ApiError.badRequest("The request body must be a JSON object.");
        }
        JsonNode model = body.get("model");
        if (model != null && !model.isNull() && !model.asText().equals(servedModel)) {
            throw ApiError.notFound("The model `" + model.asText() + "` does not exist.");
        }
        String text;
        if (body.has("messages")) {
            text = ChatTemplate.render(
                    CompletionRequestParser.messages(body.get("messages")),
                    body.path("add_generation_prompt").asBoolean(true));
        } else if (body.path("prompt").isTextual()) {
            text = body.get("prompt").asText();
        } else {
            throw ApiError.badRequest("'prompt' (a string) or 'messages' is required.");
        }
        int[] ids = Tokenizer.ids(text);
        ObjectNode out = Json.object();
        out.put("count", ids.length);
        out.put("max_model_len", maxModelLen);
        ArrayNode tokens = out.putArray("tokens");
        for (int id : ids) {
            tokens.add(id);
        }
        out.putNull("token_strs");
        return out;
    }
}
