package io.palimpsest.worker.recipe.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.api.recipe.Sampling;
import io.palimpsest.api.recipe.Stage;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.client.ModelReply;
import io.palimpsest.worker.client.RejectedByModelException;
import io.palimpsest.worker.config.ManifestField;
import io.palimpsest.worker.recipe.ChatMessage;
import io.palimpsest.worker.recipe.ModelCall;
import io.palimpsest.worker.recipe.ModelCallRejected;
import io.palimpsest.worker.recipe.ModelRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** The engine's {@link ModelCall} on the worker's HTTP client (retries, backoff, concurrency are the client's). */
public final class ClientModelCall implements ModelCall {
    private final ModelClient client;
    private final String servedModelName;
    private final ObjectMapper json;
    /** The recipe the requests come from, to name the field that set a parameter the server refuses; null: none. */
    private final Recipe recipe;

    public ClientModelCall(ModelClient client, String servedModelName, ObjectMapper json, Recipe recipe) {
        this.client = client;
        this.servedModelName = servedModelName;
        this.json = json;
        this.recipe = recipe;
    }

    @Override
    public CompletionStage<ModelReply> call(ModelRequest request) {
        ObjectNode body = body(request);
        Map<String, ManifestField> setBy = setBy(request);
        var reply = request.isChat() ? client.chat(body, setBy) : client.complete(body, setBy);
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

    /**
     * The job's field that set each sampling parameter of {@code request}: its prompt variant's or stage's
     * {@code sampling} ({@code spec.recipe.prompts[0].sampling.maxTokens} for {@code max_tokens}); empty for a call
     * whose template is not one of those (a judge's), which the refusal then names by its words alone.
     */
    Map<String, ManifestField> setBy(ModelRequest request) {
        String purpose = request.purpose() == null ? "" : request.purpose();
        String template = null;
        if (recipe != null && purpose.startsWith("variant:")) {
            template = indexed(
                    "spec.recipe.prompts",
                    recipe.getPrompts(),
                    PromptVariant::getName,
                    purpose.substring("variant:".length()));
        } else if (recipe != null && purpose.startsWith("stage:")) {
            template = indexed(
                    "spec.recipe.stages", recipe.getStages(), Stage::getName, purpose.substring("stage:".length()));
        }
        Sampling s = request.sampling();
        if (template == null) {
            return Map.of();
        }
        Map<String, ManifestField> fields = new LinkedHashMap<>();
        String sampling = template + ".sampling.";
        if (s.getMaxTokens() != null) {
            fields.put("max_tokens", ManifestField.job(sampling + "maxTokens"));
        }
        if (s.getTemperature() != null) {
            fields.put("temperature", ManifestField.job(sampling + "temperature"));
        }
        if (s.getTopP() != null) {
            fields.put("top_p", ManifestField.job(sampling + "topP"));
        }
        if (s.getSeed() != null) {
            fields.put("seed", ManifestField.job(sampling + "seed"));
        }
        if (s.getStop() != null && !s.getStop().isEmpty()) {
            fields.put("stop", ManifestField.job(sampling + "stop"));
        }
        return fields;
    }

    /** {@code list[i]} of the template named {@code name} in {@code templates}; null when none is. */
    private static <T> String indexed(String list, List<T> templates, Function<T, String> nameOf, String name) {
        if (templates == null) {
            return null;
        }
        for (int i = 0; i < templates.size(); i++) {
            if (name.equals(nameOf.apply(templates.get(i)))) {
                return list + "[" + i + "]";
            }
        }
        return null;
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
