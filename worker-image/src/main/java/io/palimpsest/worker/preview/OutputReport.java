package io.palimpsest.worker.preview;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.recipe.TextMeasures;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report's data for committed output ({@code show --html}): each source document next to the
 * records the job committed for it (output records by variant, rejects by reason), joined by id.
 * No prompts, verdict tables or estimate: a committed record keeps its text and provenance only.
 * Render the result with {@link ReportRenderer}.
 */
public final class OutputReport {

    /** One input document, as read from the input. */
    public record Source(String id, String text, String file, Long line, Integer shard) {}

    private final ObjectMapper json;

    public OutputReport(ObjectMapper json) {
        this.json = json;
    }

    /**
     * @param outputs  per variant, the committed output records ({@code id}, {@code text}, {@code provenance})
     * @param rejects  the committed reject records ({@code id}, {@code variant}, {@code reason}, {@code outcome},
     *                 {@code detail}, {@code output}, {@code madeFromWords}, {@code file}, {@code line})
     * @param sources  the input documents to show, in the order to show them; a record whose id has no
     *                 source here is not shown
     * @param committed what the receipts of the shards shown record (null when not known)
     */
    public PreviewData build(
            String job,
            String recipeHash,
            String model,
            List<String> variants,
            List<Source> sources,
            Map<String, List<JsonNode>> outputs,
            List<JsonNode> rejects,
            PreviewData.Committed committed) {
        Map<String, List<PreviewData.Outcome>> byId = new LinkedHashMap<>();
        Map<String, String> text = new LinkedHashMap<>();
        sources.forEach(s -> text.put(s.id(), s.text()));
        outputs.forEach((variant, records) -> {
            for (JsonNode r : records) {
                String id = r.path("provenance")
                        .path("sourceId")
                        .asText(r.path("id").asText());
                String out = r.path("text").asText();
                JsonNode params = r.path("provenance").get("params");
                @SuppressWarnings("unchecked")
                Map<String, Object> p =
                        params == null || params.isEmpty() ? null : json.convertValue(params, Map.class);
                byId.computeIfAbsent(id, k -> new ArrayList<>())
                        .add(new PreviewData.Outcome(
                                variant, PreviewData.Outcome.ACCEPTED, null, null, out, p, ratio(text.get(id), out)));
            }
        });
        for (JsonNode r : rejects) {
            String id = r.path("id").asText(null);
            if (id == null) {
                continue;
            }
            String status = "skipped".equals(r.path("outcome").asText())
                    ? PreviewData.Outcome.SKIPPED
                    : PreviewData.Outcome.REJECTED;
            String out = r.path("output").asText(null);
            byId.computeIfAbsent(id, k -> new ArrayList<>())
                    .add(new PreviewData.Outcome(
                            r.path("variant").asText(null),
                            status,
                            r.path("reason").asText(null),
                            r.path("detail").asText(null),
                            out,
                            null,
                            // against what the output was made from (a rejected chunk), as preview measures it; a
                            // rejects file of an earlier version does not say, and is measured against the document
                            r.path("madeFromWords").canConvertToInt()
                                    ? ratio(out, r.path("madeFromWords").asInt())
                                    : ratio(text.get(id), out)));
        }
        List<PreviewData.DocumentView> views = new ArrayList<>();
        for (Source s : sources) {
            views.add(new PreviewData.DocumentView(
                    s.id(),
                    s.shard(),
                    s.file(),
                    s.line(),
                    s.text(),
                    null, // a committed record keeps no requests or tokens: not shown rather than shown as 0
                    null,
                    null,
                    byId.getOrDefault(s.id(), List.of()),
                    List.of(),
                    List.of()));
        }
        return new PreviewData(
                PreviewData.KIND_OUTPUT,
                job,
                recipeHash,
                model,
                model,
                Instant.now().toString(),
                null,
                null,
                variants,
                PreviewAssembler.summarize(variants, views, false),
                null,
                views,
                committed);
    }

    private static Double ratio(String source, String output) {
        if (source == null || output == null) {
            return null;
        }
        return ratio(output, TextMeasures.wordCount(source));
    }

    private static Double ratio(String output, int sourceWords) {
        if (output == null || sourceWords <= 0) {
            return null;
        }
        return Math.round(1000.0 * TextMeasures.wordCount(output) / sourceWords) / 1000.0;
    }
}
