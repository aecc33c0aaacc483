package io.palimpsest.worker.preview;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.format.InputItem;
import io.palimpsest.worker.format.ItemReason;
import io.palimpsest.worker.format.UnusableItem;
import io.palimpsest.worker.preview.PreviewData.DocumentView;
import io.palimpsest.worker.preview.PreviewData.Outcome;
import io.palimpsest.worker.recipe.ChatMessage;
import io.palimpsest.worker.recipe.DocumentTrace;
import io.palimpsest.worker.recipe.TextMeasures;
import io.palimpsest.worker.recipe.validate.CheckVerdict;
import io.palimpsest.worker.run.ProcessedDocument;
import io.palimpsest.worker.run.Rejection;
import io.palimpsest.worker.run.VariantRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns what the worker made of each sampled item (the same {@link ProcessedDocument} a shard
 * commits) and the engine's trace into the report's views: per document, per variant, per call.
 */
public final class PreviewAssembler {
    /** The summary row of rejections that concern the whole document (a pre-filter, a stage, an unusable line). */
    public static final String WHOLE_DOCUMENT = "(whole document)";

    private final ObjectMapper json;

    public PreviewAssembler(ObjectMapper json) {
        this.json = json;
    }

    /** One sampled item: where it came from, what the worker made of it, and the engine's trace (null when none ran). */
    public record Processed(DocumentSampler.Drawn drawn, ProcessedDocument result, DocumentTrace trace) {}

    public DocumentView document(Processed p) {
        InputItem item = p.drawn().item();
        String id;
        String source;
        String file;
        Long line;
        if (item instanceof Document d) {
            id = d.id();
            source = d.text();
            file = d.position() == null ? null : d.position().file();
            line = d.position() == null ? null : d.position().line();
        } else {
            UnusableItem u = (UnusableItem) item;
            id = u.id() != null ? u.id() : u.position().toString();
            source = null;
            file = u.position() == null ? null : u.position().file();
            line = u.position() == null ? null : u.position().line();
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (VariantRecord r : p.result().outputs()) {
            String text = r.record().path("text").asText();
            outcomes.add(new Outcome(
                    r.variant(),
                    Outcome.ACCEPTED,
                    null,
                    null,
                    text,
                    params(r.record().path("provenance").get("params")),
                    ratio(source, text)));
        }
        for (Rejection r : p.result().rejections()) {
            String status = r.outcome() == ItemReason.Outcome.SKIPPED ? Outcome.SKIPPED : Outcome.REJECTED;
            outcomes.add(new Outcome(
                    r.variant(),
                    status,
                    r.reason().code(),
                    r.detail(),
                    r.output(),
                    null,
                    // against what the output was made from (a rejected chunk's own text), as a validator measured it
                    ratio(r.madeFromWords(), r.output())));
        }
        List<PreviewData.Prompt> prompts = new ArrayList<>();
        List<PreviewData.Checks> checks = new ArrayList<>();
        long requests = 0;
        if (p.trace() != null) {
            for (DocumentTrace.Call c : p.trace().calls()) {
                requests++;
                List<Map<String, String>> messages = null;
                if (c.request().isChat()) {
                    messages = new ArrayList<>();
                    for (ChatMessage m : c.request().messages()) {
                        Map<String, String> one = new LinkedHashMap<>();
                        one.put("role", m.role());
                        one.put("content", m.content());
                        messages.add(one);
                    }
                }
                prompts.add(new PreviewData.Prompt(
                        c.purpose(),
                        variantOf(c.purpose()),
                        messages,
                        c.request().prompt(),
                        c.refused() ? null : c.reply().text(),
                        c.reply().finishReason(),
                        c.reply().promptTokens(),
                        c.reply().completionTokens(),
                        c.refused()
                                ? new PreviewData.Refusal(
                                        c.refusal().status(),
                                        serverMessage(c.refusal().message()))
                                : null));
            }
            for (DocumentTrace.Validation v : p.trace().validations()) {
                List<PreviewData.Check> list = new ArrayList<>();
                for (CheckVerdict c : v.checks()) {
                    list.add(new PreviewData.Check(
                            c.check(), c.status(), finite(c.measured()), finite(c.min()), finite(c.max()), c.detail()));
                }
                checks.add(new PreviewData.Checks(
                        v.owner(), variantOf(v.owner()), v.chunkId(), v.params().isEmpty() ? null : v.params(), list));
            }
        }
        return new DocumentView(
                id,
                p.drawn().shard(),
                file,
                line,
                source,
                requests,
                p.result().promptTokens(),
                p.result().completionTokens(),
                outcomes,
                prompts,
                checks);
    }

    /** What a document cost, per purpose, for the estimate. */
    public static PreflightEstimator.DocumentCost cost(Processed p) {
        Map<String, long[]> byPurpose = new TreeMap<>();
        long requests = 0;
        if (p.trace() != null) {
            for (DocumentTrace.Call c : p.trace().calls()) {
                long[] v = byPurpose.computeIfAbsent(c.purpose(), k -> new long[3]);
                v[0]++;
                v[1] += c.reply().promptTokens();
                v[2] += c.reply().completionTokens();
                requests++;
            }
        }
        return new PreflightEstimator.DocumentCost(
                requests, p.result().promptTokens(), p.result().completionTokens(), byPurpose);
    }

    /** One row per variant (in the recipe's order), then one for whole-document rejections when there are any. */
    public static List<PreviewData.VariantSummary> summarize(List<String> variants, List<DocumentView> documents) {
        return summarize(variants, documents, true);
    }

    /** @param callsKnown false over committed output: its records keep no requests or tokens, so they are not summed */
    public static List<PreviewData.VariantSummary> summarize(
            List<String> variants, List<DocumentView> documents, boolean callsKnown) {
        List<PreviewData.VariantSummary> rows = new ArrayList<>();
        List<String> all = new ArrayList<>(variants);
        all.add(WHOLE_DOCUMENT);
        for (String variant : all) {
            long docs = 0;
            long accepted = 0;
            long requests = 0;
            long prompt = 0;
            long completion = 0;
            Map<String, Long> rejected = new TreeMap<>();
            Map<String, Long> skipped = new TreeMap<>();
            List<Double> ratios = new ArrayList<>();
            for (DocumentView d : documents) {
                boolean touched = false;
                for (Outcome o : d.outcomes()) {
                    String of = o.variant() == null ? WHOLE_DOCUMENT : o.variant();
                    if (!of.equals(variant)) {
                        continue;
                    }
                    touched = true;
                    switch (o.status()) {
                        case Outcome.ACCEPTED -> {
                            accepted++;
                            if (o.lengthRatio() != null) {
                                ratios.add(o.lengthRatio());
                            }
                        }
                        case Outcome.SKIPPED -> skipped.merge(o.reason(), 1L, Long::sum);
                        default -> rejected.merge(o.reason(), 1L, Long::sum);
                    }
                }
                for (PreviewData.Prompt p : d.prompts()) {
                    if (variant.equals(p.variant()) || (WHOLE_DOCUMENT.equals(variant) && p.variant() == null)) {
                        touched = true;
                        requests++;
                        prompt += p.promptTokens();
                        completion += p.completionTokens();
                    }
                }
                if (touched) {
                    docs++;
                }
            }
            if (WHOLE_DOCUMENT.equals(variant) && docs == 0) {
                continue;
            }
            rows.add(new PreviewData.VariantSummary(
                    variant,
                    docs,
                    accepted,
                    rejected,
                    skipped,
                    callsKnown ? requests : null,
                    callsKnown ? prompt : null,
                    callsKnown ? completion : null,
                    distribution(ratios)));
        }
        return rows;
    }

    static PreviewData.Distribution distribution(List<Double> values) {
        if (values.isEmpty()) {
            return new PreviewData.Distribution(0, null, null, null, null, null, List.of(), List.of());
        }
        double[] sorted =
                values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double lo = sorted[0];
        double hi = sorted[sorted.length - 1];
        int bins = 10;
        double width = hi > lo ? (hi - lo) / bins : 1;
        List<Double> edges = new ArrayList<>();
        for (int i = 0; i <= bins; i++) {
            edges.add(round(lo + i * width));
        }
        long[] counts = new long[bins];
        for (double v : sorted) {
            counts[Math.min(bins - 1, (int) ((v - lo) / width))]++;
        }
        return new PreviewData.Distribution(
                sorted.length,
                round(lo),
                round(PreflightEstimator.percentile(sorted, 0.1)),
                round(PreflightEstimator.percentile(sorted, 0.5)),
                round(PreflightEstimator.percentile(sorted, 0.9)),
                round(hi),
                edges,
                Arrays.stream(counts).boxed().toList());
    }

    /** "variant:wiki" and "judge:variant wiki" belong to variant wiki; stages belong to the whole document. */
    static String variantOf(String purposeOrOwner) {
        if (purposeOrOwner == null) {
            return null;
        }
        if (purposeOrOwner.startsWith("variant:")) {
            return purposeOrOwner.substring("variant:".length());
        }
        if (purposeOrOwner.startsWith("judge:variant ")) {
            return purposeOrOwner.substring("judge:variant ".length());
        }
        return null;
    }

    /**
     * What the server said: the {@code error.message} (or {@code message}) of an OpenAI-style error
     * body, else the body as it came.
     */
    String serverMessage(String body) {
        if (body == null || body.isBlank()) {
            return body;
        }
        try {
            JsonNode tree = json.readTree(body);
            JsonNode error = tree == null ? null : tree.path("error");
            JsonNode message = error != null && error.isObject() ? error.path("message") : null;
            if (message == null || !message.isTextual()) {
                message = tree == null ? null : tree.path("message");
            }
            if (message == null || !message.isTextual()) {
                message = error;
            }
            return message != null && message.isTextual() && !message.asText().isBlank() ? message.asText() : body;
        } catch (java.io.IOException | RuntimeException e) {
            return body; // not JSON (or cut short): shown as it came
        }
    }

    private Map<String, Object> params(JsonNode node) {
        if (node == null || node.isNull() || node.isEmpty()) {
            return null;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = json.convertValue(node, Map.class);
        return map;
    }

    private static Double ratio(String source, String output) {
        return source == null ? null : ratio(TextMeasures.wordCount(source), output);
    }

    private static Double ratio(Integer sourceWords, String output) {
        if (sourceWords == null || output == null) {
            return null;
        }
        return sourceWords == 0 ? null : round((double) TextMeasures.wordCount(output) / sourceWords);
    }

    private static Double finite(Double v) {
        return v == null || v.isNaN() || v.isInfinite() ? null : v;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
