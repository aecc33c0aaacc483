package io.palimpsest.worker.process;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.worker.client.ModelReply;
import io.palimpsest.worker.format.Document;

/**
 * The output record of one variant: the rewritten {@code text} under the source {@code id}, the
 * source record's other fields under {@code metadata}, the original text under {@code source} when
 * {@code output.keepOriginal} is set, and provenance (where it came from, which model, recipe and sampling).
 */
public final class OutputRecords {

    private final ObjectMapper json;
    private final boolean keepOriginal;
    private final String model;
    private final String recipeHash;
    /** valueToTree is reflective and costly; a variant's sampling is the same for every record. */
    private final java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> samplingByVariant = new java.util.concurrent.ConcurrentHashMap<>();

    public OutputRecords(ObjectMapper json, boolean keepOriginal, String model, String recipeHash) {
        this.json = json;
        this.keepOriginal = keepOriginal;
        this.model = model;
        this.recipeHash = recipeHash;
    }

    public ObjectNode build(Document document, PromptVariant variant, ModelReply reply) {
        ObjectNode record = json.createObjectNode();
        record.put("id", document.id());
        record.put("text", reply.text());
        if (keepOriginal) {
            record.put("source", document.text());
        }
        if (!document.metadata().isEmpty()) {
            record.set("metadata", document.metadata());
        }
        ObjectNode provenance = record.putObject("provenance");
        provenance.put("sourceId", document.id());
        provenance.put("file", document.position().file());
        provenance.put("line", document.position().line());
        provenance.put("variant", variant.getName());
        provenance.put("model", model);
        provenance.put("recipeHash", recipeHash);
        if (variant.getSampling() != null) {
            provenance.set("sampling", samplingByVariant.computeIfAbsent(variant.getName(), v -> json.valueToTree(variant.getSampling())));
        }
        provenance.put("finishReason", reply.finishReason());
        provenance.put("promptTokens", reply.promptTokens());
        provenance.put("completionTokens", reply.completionTokens());
        return record;
    }
}
