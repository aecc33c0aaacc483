package io.palimpsest.worker.storage;

import java.io.IOException;
import java.util.Optional;

/**
 * The store began an answer and the connection ended or failed before its end: the status and headers came, the
 * body broke off. The store is there (its answer began) but the request got no answer to read, as when the store
 * or a load balancer in front of it restarts mid-answer: an outage ({@link StoreGate#outage}), never the store's
 * own answer. Thrown by {@link WholeAnswerCheck} as the body is read.
 */
final class CutAnswerException extends IOException {

    CutAnswerException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The cut in {@code failure}'s causes, however deep the XML parser or the SDK wrapped it. */
    static Optional<CutAnswerException> in(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof CutAnswerException cut) {
                return Optional.of(cut);
            }
        }
        return Optional.empty();
    }
}
