package io.palimpsest.worker.recipe;

import io.palimpsest.worker.client.ModelReply;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * One document's pass through the recipe: the document, the stage outputs so far and the usage
 * counter every call of this document adds to.
 */
final class DocumentRun {
    final SourceDocument doc;
    final Map<String, Object> stages;
    final CallUsage usage = new CallUsage();
    /** Null unless a preview asked for the document's steps. */
    final DocumentTrace trace;

    private final ModelCall model;

    DocumentRun(SourceDocument doc, Map<String, Object> stages, ModelCall model) {
        this(doc, stages, model, null);
    }

    DocumentRun(SourceDocument doc, Map<String, Object> stages, ModelCall model, DocumentTrace trace) {
        this.doc = doc;
        this.stages = stages;
        this.model = model;
        this.trace = trace;
    }

    /** Calls the model and counts the reply's tokens against this document. */
    CompletionStage<ModelReply> call(ModelRequest request) {
        long sent = System.nanoTime();
        CompletionStage<ModelReply> reply = model.call(request).thenApply(r -> {
            usage.add(r);
            if (trace != null) {
                trace.call(request, r, sent, System.nanoTime());
            }
            return r;
        });
        if (trace == null) {
            return reply;
        }
        // a call sent and refused for good is part of the document's trace too: its prompt and the refusal
        return reply.whenComplete((r, error) -> {
            Throwable cause = error;
            while (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof ModelCallRejected refused) {
                trace.refused(request, refused, sent, System.nanoTime());
            }
        });
    }

    ModelCall counted() {
        return this::call;
    }
}
