package io.palimpsest.operator.model.autoscale;

import java.time.Duration;
import java.time.Instant;

/**
 * vLLM's queue summed over the ready replicas of one model at one scrape.
 *
 * @param waiting     vllm:num_requests_waiting, summed
 * @param running     vllm:num_requests_running, summed
 * @param podsScraped replicas that answered
 * @param podsFailed  replicas that did not answer (timeouts, errors); their load is unknown
 * @param sampledAt   when the scrape finished
 * @param kvUsage     vllm:kv_cache_usage_perc (0-1), the mean over the busy replicas that report it; NaN when none does
 * @param busyPods    replicas that answered with at least one running request. A replica just added
 *                    runs nothing until clients reach it; averaged in, it would hide how full the
 *                    busy ones are and the running ceiling would flap with every scale-out.
 */
public record QueueSample(
        int waiting, int running, int podsScraped, int podsFailed, Instant sampledAt, double kvUsage, int busyPods) {

    /** A sample in which every replica that answered counts as busy. */
    public QueueSample(int waiting, int running, int podsScraped, int podsFailed, Instant sampledAt, double kvUsage) {
        this(waiting, running, podsScraped, podsFailed, sampledAt, kvUsage, podsScraped);
    }

    /** A sample from servers that do not report their KV cache. */
    public QueueSample(int waiting, int running, int podsScraped, int podsFailed, Instant sampledAt) {
        this(waiting, running, podsScraped, podsFailed, sampledAt, Double.NaN);
    }

    public int load() {
        return waiting + running;
    }

    /** A sample older than this is not evidence of the current load (the scraper stopped or lags). */
    public boolean isFresh(Instant now, Duration maxAge) {
        return !sampledAt.plus(maxAge).isBefore(now);
    }
}
