package io.palimpsest.worker.client;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells a request the server cannot take (a per-document 400, e.g. a prompt over the context
 * length) from a setting the server refuses for every request (a 400 for {@code max_tokens} above
 * the model's length, an unknown parameter). Both come as 400, often with the same words and only
 * the token counts differing ("maximum context length is 4096 tokens; you requested 5012"). So:
 * {@code threshold} refusals in a row whose messages are the same once numbers are set aside,
 * before the server ever answered a request of this run with the same settings, are a job-wide refusal. A run whose
 * first documents are all too long stops too; that is the safe side (a clear error, nothing committed)
 * of a choice between stopping and committing a wrong reject for every document. Once a request with
 * some settings succeeded, those settings are known to work and their refusals stay per document.
 *
 * <p>Settings are counted apart: a recipe's variants, stages and judges each send their own ({@code max_tokens},
 * {@code temperature}, the path), and an answer to one variant's requests says nothing of another's, whose
 * settings the server may refuse for every request while the first's are answered. Thread-safe.
 */
public final class RepeatedRefusal {

    private final int threshold;
    /** Guarded by this. */
    private final Map<String, InARow> refusals = new HashMap<>();
    /** Settings a request was answered with; read on the hot path (every reply) without taking the lock. */
    private final Set<String> answered = ConcurrentHashMap.newKeySet();

    /** The refusals in a row of one setting. */
    private static final class InARow {
        String lastMessage;
        int count;
    }

    public RepeatedRefusal(int threshold) {
        if (threshold < 2) {
            throw new IllegalArgumentException("threshold must be at least 2, got " + threshold);
        }
        this.threshold = threshold;
    }

    /** A request sent with {@code settings} was answered: its refusals are per document from now on. */
    public void succeeded(String settings) {
        if (answered.contains(settings)) {
            return;
        }
        synchronized (this) {
            answered.add(settings);
            refusals.remove(settings);
        }
    }

    /**
     * Records a per-document refusal of a request sent with {@code settings}; true when it shows the refusal is the
     * same for every document sent with them.
     */
    public synchronized boolean refused(String settings, int status, String message) {
        if (answered.contains(settings)) {
            return false;
        }
        InARow inARow = refusals.computeIfAbsent(settings, s -> new InARow());
        String key = status + " " + message.replaceAll("\\d+", "#");
        if (key.equals(inARow.lastMessage)) {
            inARow.count++;
        } else {
            inARow.lastMessage = key;
            inARow.count = 1;
        }
        return inARow.count >= threshold;
    }
}
