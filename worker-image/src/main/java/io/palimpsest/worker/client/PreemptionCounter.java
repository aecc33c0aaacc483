package io.palimpsest.worker.client;

import java.util.HashMap;
import java.util.Map;

/**
 * Turns {@code vllm:num_preemptions_total} into preemptions since the previous scrape of the same
 * replica. Replicas behind one address are told apart by {@code process_start_time_seconds}; a
 * restarted replica is a new one, and a page without the start time counts as one replica.
 */
final class PreemptionCounter {
    private final Map<String, Double> lastTotalByReplica = new HashMap<>();

    /** NaN when unknown: the server does not report preemptions, or this replica was not seen before. */
    synchronized double newSince(EnginePage page) {
        double total = page.preemptionsTotal();
        if (total < 0) {
            return Double.NaN;
        }
        Double previous = lastTotalByReplica.put(page.replica(), total);
        return previous == null || total < previous ? Double.NaN : total - previous;
    }
}
