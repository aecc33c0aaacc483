package io.palimpsest.worker.validate;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.List;

/**
 * Where each part of a pair sits in an input record. Datasets name their fields differently, so
 * every name is configurable; a dotted name reaches into nested objects ({@code provenance.variant}).
 * The optional fields also fall back to where {@code palimpsest run} writes them, so its own output
 * validates without options.
 */
public record PairFields(
        String source,
        String output,
        String id,
        List<String> finishReason,
        List<String> variant,
        List<String> completionTokens,
        List<String> maxTokens,
        String label) {

    public static PairFields defaults() {
        return new PairFields(
                "source",
                "output",
                "id",
                List.of("finish_reason", "provenance.finishReason"),
                List.of("variant", "provenance.variant"),
                List.of("completion_tokens", "provenance.completionTokens"),
                List.of("max_tokens"),
                null);
    }

    public PairFields withSource(String field) {
        return new PairFields(field, output, id, finishReason, variant, completionTokens, maxTokens, label);
    }

    public PairFields withOutput(String field) {
        return new PairFields(source, field, id, finishReason, variant, completionTokens, maxTokens, label);
    }

    public PairFields withId(String field) {
        return new PairFields(source, output, field, finishReason, variant, completionTokens, maxTokens, label);
    }

    public PairFields withFinishReason(String field) {
        return new PairFields(source, output, id, List.of(field), variant, completionTokens, maxTokens, label);
    }

    public PairFields withLabel(String field) {
        return new PairFields(source, output, id, finishReason, variant, completionTokens, maxTokens, field);
    }

    /** A field by dotted name: the node, or a missing node. */
    static JsonNode at(JsonNode record, String dotted) {
        JsonNode direct = record.get(dotted);
        if (direct != null || dotted.indexOf('.') < 0) {
            return direct == null ? MissingNode.getInstance() : direct;
        }
        return record.at(JsonPointer.compile(
                "/" + dotted.replace("~", "~0").replace("/", "~1").replace('.', '/')));
    }

    /** The first of the names that holds a value, as text; null when none does. */
    static String firstText(JsonNode record, List<String> names) {
        for (String name : names) {
            JsonNode n = at(record, name);
            if (!n.isMissingNode() && !n.isNull()) {
                return n.isValueNode() ? n.asText() : n.toString();
            }
        }
        return null;
    }

    static Integer firstInt(JsonNode record, List<String> names) {
        for (String name : names) {
            JsonNode n = at(record, name);
            if (n.canConvertToInt()) {
                return n.intValue();
            }
        }
        return null;
    }
}
