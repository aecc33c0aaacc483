package io.palimpsest.worker.run;

import java.util.concurrent.atomic.AtomicLong;

/** Live counters for progress bars and metrics; written by the run, read by anyone. */
public final class RunProgress {
    public final AtomicLong itemsDone = new AtomicLong();
    public final AtomicLong written = new AtomicLong();
    public final AtomicLong rejected = new AtomicLong();
    public final AtomicLong promptTokens = new AtomicLong();
    public final AtomicLong completionTokens = new AtomicLong();

    void record(ProcessedDocument result) {
        itemsDone.incrementAndGet();
        if (result.outcomeOrNullIfWritten() == null) {
            written.incrementAndGet();
        } else {
            rejected.incrementAndGet();
        }
        promptTokens.addAndGet(result.promptTokens());
        completionTokens.addAndGet(result.completionTokens());
    }
}
