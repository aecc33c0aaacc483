package io.palimpsest.sim.metrics;

import io.palimpsest.sim.Fault;
import io.palimpsest.sim.engine.FinishReason;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The vLLM metrics the operator's scraper and autoscaler read, under vLLM's names, plus the
 * simulator's own fault counter. Written by hand rather than with a metrics library because
 * the exact names (with colons) and bucket bounds are the point, and every update already
 * happens on the scheduler's single thread.
 */
public final class SimMetrics {
    /** vLLM's bucket bounds for time to first token. */
    private static final double[] TTFT_BUCKETS = {
        0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
        160.0, 640.0, 2560.0
    };
    /** vLLM's bucket bounds for end-to-end request latency. */
    private static final double[] E2E_BUCKETS = {
        0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0,
        1920.0, 7680.0
    };

    /** vLLM's bucket bounds for inter-token latency. */
    private static final double[] ITL_BUCKETS = {
        0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0
    };
    /** Tokens per engine step, vLLM's bounds. */
    private static final double[] ITERATION_BUCKETS = {1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384};

    private final String modelLabel;
    private final double processStartSeconds;
    private long promptTokens;
    private long generationTokens;
    private long preemptions;
    private long prefixCacheQueries;
    private long prefixCacheHits;
    private long preemptedTokens;
    private long recomputedTokens;
    private long abortedGenerationTokens;
    private final Map<FinishReason, Long> finished = new EnumMap<>(FinishReason.class);
    private final Map<Fault, Long> faults = new EnumMap<>(Fault.class);
    private final Histogram timeToFirstToken = new Histogram(TTFT_BUCKETS);
    private final Histogram e2eLatency = new Histogram(E2E_BUCKETS);
    private final Histogram queueTime = new Histogram(E2E_BUCKETS);
    private final Histogram interTokenLatency = new Histogram(ITL_BUCKETS);
    private final Histogram iterationTokens = new Histogram(ITERATION_BUCKETS);
    private final Histogram requestPromptTokens;
    private final Histogram requestGenerationTokens;

    public SimMetrics(String modelName) {
        this(modelName, 8192);
    }

    /** @param maxModelLen the top of the request-size histograms (vLLM's 1-2-5 buckets up to it) */
    public SimMetrics(String modelName, int maxModelLen) {
        // vLLM V1 labels every series with the engine index; one simulator is one engine, "0".
        this.modelLabel = PrometheusText.label("model_name", modelName) + "," + PrometheusText.label("engine", "0");
        Instant start = Instant.now();
        // to the microsecond, so that replicas started together in one JVM still differ
        this.processStartSeconds = start.getEpochSecond() + (start.getNano() / 1000) / 1e6;
        this.requestPromptTokens = new Histogram(oneTwoFive(maxModelLen));
        this.requestGenerationTokens = new Histogram(oneTwoFive(maxModelLen));
    }

    /** 1, 2, 5, 10, 20, 50, ... up to {@code max}, as vLLM builds its request-size buckets. */
    static double[] oneTwoFive(int max) {
        List<Double> out = new ArrayList<>();
        for (long exp = 1; ; exp *= 10) {
            for (int m : new int[] {1, 2, 5}) {
                long v = m * exp;
                if (v > max) {
                    return out.stream().mapToDouble(Double::doubleValue).toArray();
                }
                out.add((double) v);
            }
        }
    }

    public void preempted(long discardedTokens) {
        preemptions++;
        preemptedTokens += discardedTokens;
    }

    /** Tokens generated for a request that was then aborted: they never reach a client. */
    public void abortedAfter(long generatedTokens) {
        abortedGenerationTokens += generatedTokens;
    }

    public void recomputed(long tokens) {
        recomputedTokens += tokens;
    }

    public void prefixCacheQuery(long queried, long hit) {
        prefixCacheQueries += queried;
        prefixCacheHits += hit;
    }

    public void iteration(long tokens) {
        iterationTokens.observe(tokens);
    }

    public void queueTime(double seconds) {
        queueTime.observe(seconds);
    }

    public void interTokenLatency(double seconds) {
        interTokenLatency.observe(seconds);
    }

    /** A request that finished normally: its sizes. */
    public void requestSizes(int prompt, int generation) {
        requestPromptTokens.observe(prompt);
        requestGenerationTokens.observe(generation);
    }

    public long preemptions() {
        return preemptions;
    }

    public long preemptedTokens() {
        return preemptedTokens;
    }

    public long recomputedTokens() {
        return recomputedTokens;
    }

    public long prefixCacheQueries() {
        return prefixCacheQueries;
    }

    public long prefixCacheHits() {
        return prefixCacheHits;
    }

    public long promptTokens() {
        return promptTokens;
    }

    public void promptTokens(long n) {
        promptTokens += n;
    }

    public void generationTokens(long n) {
        generationTokens += n;
    }

    public void finished(FinishReason reason) {
        finished.merge(reason, 1L, Long::sum);
    }

    public void timeToFirstToken(double seconds) {
        timeToFirstToken.observe(seconds);
    }

    public void e2eLatency(double seconds) {
        e2eLatency.observe(seconds);
    }

    public void faultInjected(Fault fault) {
        faults.merge(fault, 1L, Long::sum);
    }

    public long generationTokens() {
        return generationTokens;
    }

    /** The gauges come from the scheduler at scrape time. */
    public record Gauges(int running, int waiting, double kvCacheUsage) {}

    public String render(Gauges gauges) {
        PrometheusText t = new PrometheusText();
        // vLLM's Prometheus client exports it; clients tell replicas behind one Service apart by it
        t.header("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
        t.sample("process_start_time_seconds", "", processStartSeconds);
        t.header("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.");
        t.sample("vllm:num_requests_running", modelLabel, gauges.running());
        t.header("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.");
        t.sample("vllm:num_requests_waiting", modelLabel, gauges.waiting());
        t.header("vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.");
        t.sample("vllm:kv_cache_usage_perc", modelLabel, gauges.kvCacheUsage());
        t.header("vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.");
        t.sample("vllm:prompt_tokens_total", modelLabel, promptTokens);
        t.header("vllm:generation_tokens_total", "counter", "Number of generation tokens processed.");
        t.sample("vllm:generation_tokens_total", modelLabel, generationTokens);
        t.header("vllm:num_preemptions_total", "counter", "Cumulative number of preemption from the engine.");
        t.sample("vllm:num_preemptions_total", modelLabel, preemptions);
        t.header(
                "vllm:prefix_cache_queries_total",
                "counter",
                "Prefix cache queries, in terms of number of queried tokens.");
        t.sample("vllm:prefix_cache_queries_total", modelLabel, prefixCacheQueries);
        t.header("vllm:prefix_cache_hits_total", "counter", "Prefix cache hits, in terms of number of cached tokens.");
        t.sample("vllm:prefix_cache_hits_total", modelLabel, prefixCacheHits);
        t.header("vllm:iteration_tokens_total", "histogram", "Histogram of number of tokens per engine_step.");
        t.histogram("vllm:iteration_tokens_total", modelLabel, iterationTokens);
        t.header("vllm:request_success_total", "counter", "Count of successfully processed requests.");
        for (FinishReason reason : FinishReason.values()) {
            t.sample(
                    "vllm:request_success_total",
                    modelLabel + "," + PrometheusText.label("finished_reason", reason.wireName()),
                    finished.getOrDefault(reason, 0L));
        }
        t.header("vllm:time_to_first_token_seconds", "histogram", "Histogram of time to first token in seconds.");
        t.histogram("vllm:time_to_first_token_seconds", modelLabel, timeToFirstToken);
        t.header(
                "vllm:e2e_request_latency_seconds", "histogram", "Histogram of end to end request latency in seconds.");
        t.histogram("vllm:e2e_request_latency_seconds", modelLabel, e2eLatency);
        t.header(
                "vllm:request_queue_time_seconds",
                "histogram",
                "Histogram of time spent in WAITING phase for request.");
        t.histogram("vllm:request_queue_time_seconds", modelLabel, queueTime);
        t.header("vllm:inter_token_latency_seconds", "histogram", "Histogram of inter-token latency in seconds.");
        t.histogram("vllm:inter_token_latency_seconds", modelLabel, interTokenLatency);
        t.header("vllm:request_prompt_tokens", "histogram", "Number of prefill tokens processed.");
        t.histogram("vllm:request_prompt_tokens", modelLabel, requestPromptTokens);
        t.header("vllm:request_generation_tokens", "histogram", "Number of generation tokens processed.");
        t.histogram("vllm:request_generation_tokens", modelLabel, requestGenerationTokens);
        t.header(
                "sim:preempted_tokens_total",
                "counter",
                "KV-cached tokens that preemptions threw away (not a vLLM series).");
        t.sample("sim:preempted_tokens_total", modelLabel, preemptedTokens);
        t.header(
                "sim:recomputed_tokens_total",
                "counter",
                "Tokens prefilled again after a preemption, prefix-cache hits excluded (not a vLLM series).");
        t.sample("sim:recomputed_tokens_total", modelLabel, recomputedTokens);
        t.header(
                "sim:aborted_generation_tokens_total",
                "counter",
                "Tokens generated for requests that were aborted, e.g. when the client gave up (not a vLLM series).");
        t.sample("sim:aborted_generation_tokens_total", modelLabel, abortedGenerationTokens);
        t.header("sim:faults_injected_total", "counter", "Faults the simulator injected, by fault name.");
        for (Fault fault : Fault.values()) {
            t.sample(
                    "sim:faults_injected_total",
                    modelLabel + "," + PrometheusText.label("fault", fault.wireName()),
                    faults.getOrDefault(fault, 0L));
        }
        return t.toString();
    }
}
