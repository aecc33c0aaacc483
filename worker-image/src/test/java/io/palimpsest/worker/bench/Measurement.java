package io.palimpsest.worker.bench;

import java.util.List;

/** What the long-document benchmarks report for one client over one measured window. */
record Measurement(
        double seconds,
        long completions,
        long deliveredTokens,
        double generatedTokens,
        double abortedTokens,
        double meanRunning,
        double meanWaiting,
        double meanKvUsage,
        double preemptions,
        double preemptedTokens,
        double recomputedTokens,
        long expiries,
        double meanClientLimit) {

    static Measurement of(List<String> urls, LoadClients.Load load, int measureSeconds) throws Exception {
        long completions0 = load.completions();
        long delivered0 = load.completionTokens();
        long expiries0 = load.expiries();
        double generated0 = BenchSupport.scrape(urls, "vllm:generation_tokens_total");
        double aborted0 = BenchSupport.scrape(urls, "sim:aborted_generation_tokens_total");
        double preemptions0 = BenchSupport.scrape(urls, "vllm:num_preemptions_total");
        double preempted0 = BenchSupport.scrape(urls, "sim:preempted_tokens_total");
        double recomputed0 = BenchSupport.scrape(urls, "sim:recomputed_tokens_total");
        long start = System.nanoTime();
        double running = 0;
        double waiting = 0;
        double kv = 0;
        double limit = 0;
        int samples = 0;
        while (System.nanoTime() - start < measureSeconds * 1_000_000_000L) {
            Thread.sleep(1000);
            running += BenchSupport.scrape(urls, "vllm:num_requests_running");
            waiting += BenchSupport.scrape(urls, "vllm:num_requests_waiting");
            kv += BenchSupport.scrape(urls, "vllm:kv_cache_usage_perc") / urls.size();
            limit += load.inFlight();
            samples++;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Measurement(
                seconds,
                load.completions() - completions0,
                load.completionTokens() - delivered0,
                BenchSupport.scrape(urls, "vllm:generation_tokens_total") - generated0,
                BenchSupport.scrape(urls, "sim:aborted_generation_tokens_total") - aborted0,
                running / samples,
                waiting / samples,
                kv / samples,
                BenchSupport.scrape(urls, "vllm:num_preemptions_total") - preemptions0,
                BenchSupport.scrape(urls, "sim:preempted_tokens_total") - preempted0,
                BenchSupport.scrape(urls, "sim:recomputed_tokens_total") - recomputed0,
                load.expiries() - expiries0,
                limit / samples);
    }

    /** Completion tokens of completed requests, per second: bursty over a short window (one reply carries ~1 K). */
    double deliveredPerSecond() {
        return deliveredTokens / seconds;
    }

    /**
     * Generated tokens that reach a client, per second: all the server generated minus what it
     * generated for requests that were then abandoned. Smooth, unlike {@link #deliveredPerSecond()}.
     */
    double usefulPerSecond() {
        return (generatedTokens - abortedTokens) / seconds;
    }

    @Override
    public String toString() {
        return String.format(
                "%.0fs: useful %.0f tok/s (generated %.0f, for abandoned requests %.0f; replies carried %.0f tok/s, "
                        + "%d completions), running %.1f, waiting %.1f, kv %.2f, client in flight %.0f, preemptions %.0f, "
                        + "preempted tokens %.0f, recomputed tokens %.0f, expiries %d",
                seconds,
                usefulPerSecond(),
                generatedTokens / seconds,
                abortedTokens / seconds,
                deliveredPerSecond(),
                completions,
                meanRunning,
                meanWaiting,
                meanKvUsage,
                meanClientLimit,
                preemptions,
                preemptedTokens,
                recomputedTokens,
                expiries);
    }
}
