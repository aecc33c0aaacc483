package io.palimpsest.worker.show;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.worker.preview.OutputReport;
import io.palimpsest.worker.preview.PreviewData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code show --html}: what {@link CommittedOutputReader} loaded, handed to {@link OutputReport} in
 * the shape of the committed records it joins, so the page is the preview's report over committed
 * output and the records are read once, by the same reader as the terminal view.
 */
public final class ShowReport {

    private final ObjectMapper json;

    public ShowReport(ObjectMapper json) {
        this.json = json;
    }

    public PreviewData build(ShownOutput shown) {
        List<OutputReport.Source> sources = new ArrayList<>();
        Map<String, List<JsonNode>> outputs = new LinkedHashMap<>();
        // filtered by --variant: the page's columns are the variant shown, as the terminal's header says
        shown.variantsShown().forEach(v -> outputs.put(v, new ArrayList<>()));
        List<JsonNode> rejects = new ArrayList<>();
        for (ShownDocument doc : shown.documents()) {
            sources.add(new OutputReport.Source(doc.id(), doc.source(), doc.file(), doc.line(), doc.shard()));
            for (ShownResult result : doc.results()) {
                if (result.outcome() == ShownResult.Outcome.written) {
                    outputs.computeIfAbsent(result.variant(), v -> new ArrayList<>())
                            .add(outputRecord(doc.id(), result));
                } else {
                    rejects.add(rejectRecord(doc.id(), result));
                }
            }
        }
        ShownOutput.Origin origin = shown.origin() != null ? shown.origin() : new ShownOutput.Origin(null, null, null);
        ShownOutput.Counts c = shown.counts();
        PreviewData.Committed committed = c == null
                ? null
                : new PreviewData.Committed(
                        shown.shardsCommitted(),
                        shown.shardsPlanned(),
                        c.read(),
                        c.written(),
                        c.rejected(),
                        c.skipped(),
                        c.promptTokens(),
                        c.completionTokens());
        return new OutputReport(json)
                .build(
                        origin.job(),
                        origin.recipeHash(),
                        origin.model(),
                        shown.variantsShown(),
                        sources,
                        outputs,
                        rejects,
                        committed);
    }

    /** An output record as the run commits it: id, text and the provenance's params. */
    private JsonNode outputRecord(String id, ShownResult result) {
        ObjectNode record = json.createObjectNode().put("id", id).put("text", result.text());
        if (!result.params().isEmpty()) {
            record.putObject("provenance").set("params", json.valueToTree(result.params()));
        }
        return record;
    }

    /**
     * A reject record as the run commits it: id, variant (absent for the whole document), reason, outcome, detail,
     * output and the words of what the output was made from.
     */
    private JsonNode rejectRecord(String id, ShownResult result) {
        ObjectNode record = json.createObjectNode().put("id", id);
        if (result.variant() != null) {
            record.put("variant", result.variant());
        }
        record.put("outcome", result.outcome().name());
        putIfPresent(record, "reason", result.reason());
        putIfPresent(record, "detail", result.detail());
        putIfPresent(record, "output", result.text());
        if (result.madeFromWords() != null) {
            record.put("madeFromWords", result.madeFromWords());
        }
        return record;
    }

    private static void putIfPresent(ObjectNode record, String field, String value) {
        if (value != null) {
            record.put(field, value);
        }
    }
}
