package io.palimpsest.worker.run;

/** A twin attempt committed this shard while we were working on it: stop quietly, exit 0. */
public class CommittedByAnotherAttempt extends RuntimeException {
    public CommittedByAnotherAttempt(String receiptKey) {
        super("shard committed by another attempt: " + receiptKey + " exists");
    }
}
