package io.palimpsest.worker.recipe;

import io.palimpsest.worker.client.ModelReply;
import java.util.concurrent.atomic.AtomicLong;

/** Tokens and calls spent on one document, summed over stages, chunks, variants and judges. */
public final class CallUsage {
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong completionTokens = new AtomicLong();

    void add(ModelReply reply) {
        calls.incrementAndGet();
        promptTokens.addAndGet(reply.promptTokens());
        completionTokens.addAndGet(reply.completionTokens());
    }

    public long calls() {
        return calls.get();
    }

    public long promptTokens() {
        return promptTokens.get();
    }

    public long completionTokens() {
        return completionTokens.get();
    }
}
