package io.palimpsest.worker.recipe.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.api.recipe.PromptVariant;
import io.palimpsest.api.recipe.Recipe;
import io.palimpsest.worker.client.ModelConfigException;
import io.palimpsest.worker.client.ModelUnavailableException;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.recipe.DocumentOutcome;
import io.palimpsest.worker.recipe.DocumentTrace;
import io.palimpsest.worker.recipe.OutputRecord;
import io.palimpsest.worker.recipe.PlainValues;
import io.palimpsest.worker.recipe.Provenance;
import io.palimpsest.worker.recipe.RecipeEngine;
import io.palimpsest.worker.recipe.RejectRecord;
import io.palimpsest.worker.recipe.SourceDocument;
import io.palimpsest.worker.recipe.TextMeasures;
import io.palimpsest.worker.run.DocumentFailedException;
import io.palimpsest.worker.run.DocumentProcessor;
import io.palimpsest.worker.run.ProcessedDocument;
import io.palimpsest.worker.run.Rejection;
import io.palimpsest.worker.run.VariantRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The recipe engine behind the worker's {@link DocumentProcessor} seam: turns the worker's
 * documents into the engine's, and the engine's outputs and rejects into the worker's records.
 */
public final class RecipeProcessor implements DocumentProcessor {
    /** After this many documents in a row whose calls failed after every retry, the server is broken, not the documents. */
    private static final int FAILED_IN_A_ROW_IS_AN_OUTAGE = 5;

    private final RecipeEngine engine;
    private final ObjectMapper json;
    private final boolean keepOriginal;
    private final List<String> variants;
    /** Judges answers and failures one at a time, so that the outage's recognition has one place among them. */
    private final Object inARow = new Object();
    /** Guarded by {@link #inARow}. */
    private int failedInARow;
    /** Set before the failure that shows the outage reaches the caller ({@link #outageRecognised()}). */
    private volatile boolean outage;

    public RecipeProcessor(RecipeEngine engine, ObjectMapper json, boolean keepOriginal) {
        this.engine = engine;
        this.json = json;
        this.keepOriginal = keepOriginal;
        Recipe recipe = engine.recipe();
        this.variants = recipe.getPrompts().stream().map(PromptVariant::getName).toList();
    }

    @Override
    public List<String> variants() {
        return variants;
    }

    @Override
    public boolean outageRecognised() {
        return outage;
    }

    @Override
    public CompletionStage<ProcessedDocument> process(Document document) {
        return process(document, null);
    }

    /** The group the engine puts this document in before any call ({@link RecipeEngine#stratum}): a preview samples by it. */
    public String stratum(Document document) {
        return engine.stratum(
                new SourceDocument(document.id(), document.text(), PlainValues.objectOf(document.metadata())));
    }

    /** The same processing, recording the engine's calls and validator verdicts in {@code trace} (null: none): a preview's. */
    public CompletionStage<ProcessedDocument> process(Document document, DocumentTrace trace) {
        SourceDocument doc =
                new SourceDocument(document.id(), document.text(), PlainValues.objectOf(document.metadata()));
        CompletionStage<DocumentOutcome> processed;
        try {
            processed = engine.process(doc, trace);
        } catch (ModelConfigException | ModelUnavailableException | HttpTokenCounter.CountFailedException e) {
            // a token count at the server (tokenizer.mode: server) before any call: judged like a call's failure
            processed = CompletableFuture.failedFuture(e);
        }
        return processed.handle((outcome, error) -> {
            if (error == null) {
                synchronized (inARow) {
                    failedInARow = 0;
                }
                return convert(document, outcome);
            }
            Throwable cause =
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof ModelUnavailableException unavailable) {
                outage = true;
                throw unavailable;
            }
            if (cause instanceof ModelConfigException refusedForAll) {
                throw refusedForAll;
            }
            boolean fifth;
            synchronized (inARow) {
                // an answer resets the count under the same lock: it was judged either before this failure (which is
                // then no fifth in a row) or after the outage was recognised, and then sees it
                fifth = ++failedInARow >= FAILED_IN_A_ROW_IS_AN_OUTAGE;
                if (fifth) {
                    outage = true;
                }
            }
            if (fifth) {
                throw new ModelUnavailableException(
                        FAILED_IN_A_ROW_IS_AN_OUTAGE + " documents in a row failed after every retry; last: " + cause,
                        cause);
            }
            // not a reject here: the shard runner decides (fail the attempt, or reject on the last one)
            throw new DocumentFailedException("retries exhausted: " + cause, cause);
        });
    }

    private ProcessedDocument convert(Document document, DocumentOutcome outcome) {
        List<VariantRecord> records = new ArrayList<>();
        for (OutputRecord o : outcome.outputs()) {
            records.add(new VariantRecord(o.variant(), record(document, o)));
        }
        List<Rejection> rejections = new ArrayList<>();
        for (RejectRecord r : outcome.rejects()) {
            Integer madeFromWords = r.madeFrom() == null ? null : TextMeasures.wordCount(r.madeFrom());
            rejections.add(new Rejection(r.variant(), r.reason(), detail(r), r.output(), madeFromWords));
        }
        return new ProcessedDocument(
                records,
                rejections,
                outcome.usage().promptTokens(),
                outcome.usage().completionTokens());
    }

    /** Rejections carry no provenance of their own: the chunk and parameters go into the detail. */
    private static String detail(RejectRecord r) {
        Provenance p = r.provenance();
        StringBuilder sb = new StringBuilder(r.detail() == null ? "" : r.detail());
        if (p != null && !p.chunkIds().isEmpty()) {
            sb.append(" [chunks ").append(String.join(",", p.chunkIds())).append(']');
        }
        if (p != null && !p.params().isEmpty()) {
            sb.append(" [params ").append(p.params()).append(']');
        }
        return sb.toString();
    }

    private ObjectNode record(Document document, OutputRecord o) {
        ObjectNode record = json.createObjectNode();
        record.put("id", o.id());
        record.put("text", o.text());
        if (keepOriginal) {
            record.put("source", document.text());
        }
        if (document.metadata() != null && !document.metadata().isEmpty()) {
            record.set("metadata", document.metadata());
        }
        Provenance p = o.provenance();
        ObjectNode prov = record.putObject("provenance");
        prov.put("sourceId", p.sourceId());
        if (document.origin() != null) {
            prov.put("file", document.origin().file());
            prov.put("line", document.origin().line());
        }
        prov.set("chunkIds", json.valueToTree(p.chunkIds()));
        prov.put("variant", p.variant());
        if (!p.params().isEmpty()) {
            prov.set("params", json.valueToTree(p.params()));
        }
        prov.put("model", p.model());
        if (!p.sampling().isEmpty()) {
            prov.set("sampling", json.valueToTree(p.sampling()));
        }
        prov.put("recipeHash", p.recipeHash());
        p.extra().forEach((k, v) -> prov.set(k, json.valueToTree(v)));
        return record;
    }
}
