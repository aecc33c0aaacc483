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
    synchronized double newSince(String page) {
        double total = QueueDepthProbe.sum(page, "vllm:num_preemptions_total");
        if (total < 0) {
            return Double.NaN;
        }
        double start = QueueDepthProbe.sum(page, "process_start_time_seconds");
        Double previous = lastTotalByReplica.put(start < 0 ? "" : Double.toString(start), total);
        return previous == null || total < previous ? Double.NaN : total - previous;
    }
}
