package io.palimpsest.worker.process;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.recipe.Sampling;
import io.palimpsest.api.recipe.Turn;
import io.palimpsest.worker.client.ModelClient;
import io.palimpsest.worker.client.ModelReply;
import io.palimpsest.worker.client.RejectedByModelException;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.run.DocumentFailedException;
import io.palimpsest.worker.run.DocumentProcessor;
import io.palimpsest.worker.run.ModelConfigException;
import io.palimpsest.worker.run.ModelUnavailableException;
import io.palimpsest.worker.run.ProcessedDocument;
import io.palimpsest.worker.run.Rejection;
import io.palimpsest.worker.run.VariantRecord;

/**
 * The simple recipe: every prompt variant gets one model call per document (chat, raw completion, or a
 * template render with no call), and its reply is the output, unless generation hit max_tokens
 * (rejected as {@code truncated}), the reply is empty, or the server refused the request. Chunking,
 * routes, stages and validators belong to the full recipe engine, which plugs into the same seam.
 */
public final class VariantPromptProcessor implements DocumentProcessor {

    /** After this many documents in a row whose retries ran out, the server is broken, not the documents. */
    private static final int EXHAUSTED_IN_A_ROW_IS_AN_OUTAGE = 5;

    private final List<PromptVariant> variants;
    private final ModelClient client;
    private final OutputRecords outputs;
    private final String servedModelName;
    private final PromptRendering rendering;
    private final ObjectMapper json;
    private final AtomicInteger exhaustedInARow = new AtomicInteger();
    private final boolean templatesUseMeta;

    public VariantPromptProcessor(List<PromptVariant> variants, ModelClient client, OutputRecords outputs,
                                  String servedModelName, ObjectMapper json) {
        if (variants == null || variants.isEmpty()) {
            throw new IllegalArgumentException("recipe.prompts is empty: at least one prompt variant is needed");
        }
        this.variants = List.copyOf(variants);
        this.client = client;
        this.outputs = outputs;
        this.servedModelName = servedModelName;
        this.rendering = new PromptRendering(json);
        this.json = json;
        this.templatesUseMeta = this.variants.stream().anyMatch(VariantPromptProcessor::mentionsMeta);
    }

    private static boolean mentionsMeta(PromptVariant variant) {
        StringBuilder all = new StringBuilder();
        for (String template : java.util.Arrays.asList(variant.getSystem(), variant.getUser(), variant.getCompletion(), variant.getRender())) {
            if (template != null) {
                all.append(template);
            }
        }
        if (variant.getFewShot() != null) {
            variant.getFewShot().forEach(turn -> all.append(turn.getContent()));
        }
        return all.indexOf("meta") >= 0;
    }

    @Override
    public List<String> variants() {
        return variants.stream().map(PromptVariant::getName).toList();
    }

    @Override
    public CompletionStage<ProcessedDocument> process(Document document) {
        Map<String, Object> variables = rendering.variables(document, templatesUseMeta);
        List<CompletableFuture<ProcessedDocument>> perVariant = new ArrayList<>();
        for (PromptVariant variant : variants) {
            perVariant.add(processVariant(document, variant, variables));
        }
        return CompletableFuture.allOf(perVariant.toArray(CompletableFuture[]::new)).thenApply(done -> combine(perVariant));
    }

    private CompletableFuture<ProcessedDocument> processVariant(Document document, PromptVariant variant, Map<String, Object> variables) {
        String name = variant.getName();
        try {
            if (variant.getRender() != null) {
                String text = rendering.render(name + ".render", variant.getRender(), variables);
                return CompletableFuture.completedFuture(written(document, variant, new ModelReply(text, "render", 0, 0)));
            }
            ObjectNode body = requestBody(variant, variables);
            CompletableFuture<ModelReply> call = variant.getCompletion() != null ? client.complete(body) : client.chat(body);
            return call.handle((reply, error) -> error == null ? fromReply(document, variant, reply) : fromFailure(name, error));
        } catch (PromptRendering.TemplateFailure e) {
            return CompletableFuture.completedFuture(rejected(name, ItemReason.TEMPLATE_ERROR, e.getMessage(), null, 0, 0));
        }
    }

    private ObjectNode requestBody(PromptVariant variant, Map<String, Object> variables) {
        ObjectNode body = json.createObjectNode();
        body.put("model", servedModelName);
        String name = variant.getName();
        if (variant.getCompletion() != null) {
            body.put("prompt", rendering.render(name + ".completion", variant.getCompletion(), variables));
        } else {
            ArrayNode messages = body.putArray("messages");
            if (variant.getSystem() != null) {
                messages.addObject().put("role", "system").put("content", rendering.render(name + ".system", variant.getSystem(), variables));
            }
            if (variant.getFewShot() != null) {
                for (Turn turn : variant.getFewShot()) {
                    messages.addObject().put("role", turn.getRole().name())
                            .put("content", rendering.render(name + ".fewShot", turn.getContent(), variables));
                }
            }
            messages.addObject().put("role", "user").put("content", rendering.render(name + ".user", variant.getUser(), variables));
        }
        Sampling sampling = variant.getSampling();
        if (sampling != null) {
            if (sampling.getTemperature() != null) {
                body.put("temperature", sampling.getTemperature());
            }
            if (sampling.getTopP() != null) {
                body.put("top_p", sampling.getTopP());
            }
            if (sampling.getMaxTokens() != null) {
                body.put("max_tokens", sampling.getMaxTokens());
            }
            if (sampling.getSeed() != null) {
                body.put("seed", sampling.getSeed());
            }
            if (sampling.getStop() != null && !sampling.getStop().isEmpty()) {
                ArrayNode stop = body.putArray("stop");
                sampling.getStop().forEach(stop::add);
            }
        }
        return body;
    }

    private ProcessedDocument fromReply(Document document, PromptVariant variant, ModelReply reply) {
        exhaustedInARow.set(0);
        String name = variant.getName();
        if (reply.truncated()) {
            return rejected(name, ItemReason.TRUNCATED, "generation stopped at max_tokens (finish_reason=length)",
                    reply.text(), reply.promptTokens(), reply.completionTokens());
        }
        if (reply.text().isBlank()) {
            return rejected(name, ItemReason.EMPTY_OUTPUT, "the model returned no text", null, reply.promptTokens(), reply.completionTokens());
        }
        return written(document, variant, reply);
    }

    private ProcessedDocument fromFailure(String variant, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof ModelUnavailableException unavailable) {
            throw unavailable;
        }
        if (cause instanceof ModelConfigException refusedForAll) {
            throw refusedForAll;
        }
        if (cause instanceof RejectedByModelException refused) {
            exhaustedInARow.set(0);
            return rejected(variant, ItemReason.MODEL_REJECTED, refused.getMessage(), null, 0, 0);
        }
        if (exhaustedInARow.incrementAndGet() >= EXHAUSTED_IN_A_ROW_IS_AN_OUTAGE) {
            throw new ModelUnavailableException(EXHAUSTED_IN_A_ROW_IS_AN_OUTAGE + " documents in a row failed after every retry; last: " + cause, cause);
        }
        // not a reject here: the shard runner decides (fail the attempt, or reject on the last one)
        throw new DocumentFailedException("variant " + variant + ": retries exhausted: " + cause, cause);
    }

    private ProcessedDocument written(Document document, PromptVariant variant, ModelReply reply) {
        ObjectNode record = outputs.build(document, variant, reply);
        return new ProcessedDocument(List.of(new VariantRecord(variant.getName(), record)), List.of(),
                reply.promptTokens(), reply.completionTokens());
    }

    private static ProcessedDocument rejected(String variant, ItemReason reason, String detail, String output, long prompt, long completion) {
        return new ProcessedDocument(List.of(), List.of(Rejection.ofVariant(variant, reason, detail, output)), prompt, completion);
    }

    private static ProcessedDocument combine(List<CompletableFuture<ProcessedDocument>> parts) {
        List<VariantRecord> records = new ArrayList<>();
        List<Rejection> rejections = new ArrayList<>();
        long prompt = 0;
        long completion = 0;
        for (CompletableFuture<ProcessedDocument> part : parts) {
            ProcessedDocument done = part.join();
            records.addAll(done.outputs());
            rejections.addAll(done.rejections());
            prompt += done.promptTokens();
            completion += done.completionTokens();
        }
        return new ProcessedDocument(records, rejections, prompt, completion);
    }
}
