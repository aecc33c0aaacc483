package io.palimpsest.worker.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.palimpsest.worker.format.Document;
import io.palimpsest.worker.run.DocumentProcessor;
import io.palimpsest.worker.run.ProcessedDocument;
import io.palimpsest.worker.run.VariantRecord;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A processor with no model: the "rewrite" is the upper-cased text, finished on a pool thread so
 * results arrive out of order. {@code failure} may turn a document into a failure of the run.
 */
public final class UppercaseProcessor implements DocumentProcessor {

    private static final ObjectMapper JSON = new ObjectMapper();
    public final AtomicInteger calls = new AtomicInteger();
    private final Function<Document, RuntimeException> failure;

    public UppercaseProcessor() {
        this(doc -> null);
    }

    public UppercaseProcessor(Function<Document, RuntimeException> failure) {
        this.failure = failure;
    }

    @Override
    public List<String> variants() {
        return List.of("upper");
    }

    @Override
    public CompletionStage<ProcessedDocument> process(Document document) {
        calls.incrementAndGet();
        return CompletableFuture.supplyAsync(() -> {
            RuntimeException fail = failure.apply(document);
            if (fail != null) {
                throw fail;
            }
            ObjectNode record = JSON.createObjectNode();
            record.put("id", document.id());
            record.put("text", document.text().toUpperCase());
            return new ProcessedDocument(List.of(new VariantRecord("upper", record)), List.of(), 10, 5);
        });
    }
}
