package io.palimpsest.sim.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.sim.engine.FinishReason;

/** The JSON shapes vLLM's OpenAI server answers with. */
public final class ResponseBodies {
    private ResponseBodies() {}

    /** Identity shared by every chunk of one response. */
    public record Header(CompletionRequest.Kind kind, String id, long created, String model) {}

    public static ObjectNode completion(
            Header h, String text, FinishReason finish, String stopReason, int promptTokens, int completionTokens) {
        ObjectNode root = base(h, h.kind().object());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (h.kind() == CompletionRequest.Kind.CHAT) {
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", text);
            message.putArray("tool_calls");
        } else {
            choice.put("text", text);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finish.wireName());
        putStopReason(choice, stopReason);
        root.set("usage", usage(promptTokens, completionTokens));
        return root;
    }

    /** The opening chunk of a chat stream: the assistant role, no text yet. */
    public static ObjectNode roleChunk(Header h) {
        ObjectNode root = base(h, h.kind().chunkObject());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        delta.put("role", "assistant");
        delta.put("content", "");
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return root;
    }

    /** A token chunk; the last one also carries the finish reason, as in vLLM. */
    public static ObjectNode tokenChunk(Header h, String piece, FinishReason finish, String stopReason) {
        ObjectNode root = base(h, h.kind().chunkObject());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (h.kind() == CompletionRequest.Kind.CHAT) {
            choice.putObject("delta").put("content", piece);
        } else {
            choice.put("text", piece);
        }
        choice.putNull("logprobs");
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish.wireName());
            putStopReason(choice, stopReason);
        }
        return root;
    }

    /** The chunk sent when stream_options.include_usage is set: no choices, only usage. */
    public static ObjectNode usageChunk(Header h, int promptTokens, int completionTokens) {
        ObjectNode root = base(h, h.kind().chunkObject());
        root.putArray("choices");
        root.set("usage", usage(promptTokens, completionTokens));
        return root;
    }

    public static ObjectNode usage(int promptTokens, int completionTokens) {
        ObjectNode usage = Json.object();
        usage.put("prompt_tokens", promptTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        usage.put("completion_tokens", completionTokens);
        usage.putNull("prompt_tokens_details");
        return usage;
    }

    /** Recent vLLM's error shape, the same as OpenAI's. */
    public static ObjectNode error(ApiError e) {
        ObjectNode root = Json.object();
        ObjectNode error = root.putObject("error");
        error.put("message", e.getMessage());
        error.put("type", e.type());
        error.putNull("param");
        error.put("code", e.status());
        return root;
    }

    public static ObjectNode models(String model, long created, int maxModelLen) {
        ObjectNode root = Json.object();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        ObjectNode m = data.addObject();
        m.put("id", model);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "vllm");
        m.put("root", model);
        m.putNull("parent");
        m.put("max_model_len", maxModelLen);
        return root;
    }

    private static ObjectNode base(Header h, String object) {
        ObjectNode root = Json.object();
        root.put("id", h.id());
        root.put("object", object);
        root.put("created", h.created());
        root.put("model", h.model());
        return root;
    }

    private static void putStopReason(ObjectNode choice, String stopReason) {
        if (stopReason == null) {
            choice.putNull("stop_reason");
        } else {
            choice.put("stop_reason", stopReason);
        }
    }
}
