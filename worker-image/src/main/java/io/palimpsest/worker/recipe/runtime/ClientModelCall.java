package io.palimpsest.worker.recipe.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.recipe.Sampling;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.client.ModelReply;
import io.palimpsest.worker.client.RejectedByModelException;
import io.palimpsest.worker.recipe.ChatMessage;
import io.palimpsest.worker.recipe.ModelCall;
import io.palimpsest.worker.recipe.ModelCallRejected;
import io.palimpsest.worker.recipe.ModelRequest;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** The engine's {@link ModelCall} on the worker's HTTP client (retries, backoff, concurrency are the client's). */
public final class ClientModelCall implements ModelCall {
    private final ModelClient client;
    private final String servedModelName;
    private final ObjectMapper json;

    public ClientModelCall(ModelClient client, String servedModelName, ObjectMapper json) {
        this.client = client;
        this.servedModelName = servedModelName;
        this.json = json;
    }

    @Override
    public CompletionStage<ModelReply> call(ModelRequest request) {
        ObjectNode body = body(request);
        var reply = request.isChat() ? client.chat(body) : client.complete(body);
        return reply.handle((r, error) -> {
            if (error == null) {
                return r;
            }
            Throwable cause =
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof RejectedByModelException refused) {
                throw new ModelCallRejected(refused.status(), refused.getMessage(), refused.body());
            }
            throw error instanceof CompletionException ce ? ce : new CompletionException(cause);
        });
    }

    ObjectNode body(ModelRequest request) {
        ObjectNode body = json.createObjectNode();
        body.put("model", servedModelName);
        if (request.isChat()) {
            ArrayNode messages = body.putArray("messages");
            for (ChatMessage m : request.messages()) {
                messages.addObject().put("role", m.role()).put("content", m.content());
            }
        } else {
            body.put("prompt", request.prompt());
        }
        Sampling s = request.sampling();
        if (s.getTemperature() != null) {
            body.put("temperature", s.getTemperature());
        }
        if (s.getTopP() != null) {
            body.put("top_p", s.getTopP());
        }
        if (s.getMaxTokens() != null) {
            body.put("max_tokens", s.getMaxTokens());
        }
        if (s.getSeed() != null) {
            body.put("seed", s.getSeed());
        }
        if (s.getStop() != null && !s.getStop().isEmpty()) {
            ArrayNode stop = body.putArray("stop");
            s.getStop().forEach(stop::add);
        }
        return body;
    }
}
