package io.palimpsest.worker.cli;

import io.palimpsest.worker.client.ClientStats;
import io.palimpsest.worker.run.RunProgress;

/**
 * The tokens this process's model requests were answered with, as the model client counts them when each answer
 * comes: a long document's chunks and a document's several calls count as they are answered, not when the whole
 * document is done, and what a stop gives up is counted still. Each answer counts once: an attempt that failed
 * (timeout, 5xx, an unreadable reply) carries none, and documents resumed from checkpoint parts send no request. A
 * document sent again after its answer was lost with a stopped attempt was answered, and paid, twice. Never a
 * committed figure: those are the receipts'.
 */
record AnsweredTokens(long prompt, long completion) {

    /**
     * @param stats    the model client's, or null when the recipe calls no model: then the documents' own counts
     *                 (none of them came from a model)
     * @param progress the run's document counters
     */
    static AnsweredTokens of(ClientStats stats, RunProgress progress) {
        return stats != null
                ? new AnsweredTokens(stats.promptTokens.sum(), stats.completionTokens.sum())
                : new AnsweredTokens(progress.promptTokens.get(), progress.completionTokens.get());
    }
}
