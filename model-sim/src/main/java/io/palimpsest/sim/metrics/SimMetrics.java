package io.palimpsest.sim.metrics;

import io.palimpsest.sim.Fault;
import io.palimpsest.sim.engine.FinishReason;
import java.util.EnumMap;
import java.util.Map;

/**
 * The vLLM metrics the operator's scraper and autoscaler read, under vLLM's names, plus the
 * simulator's own fault counter. Written by hand rather than with a metrics library because
 * the exact names (with colons) and bucket bounds are the point, and every update already
 * happens on the scheduler's single thread.
 */
public final class SimMetrics {
    /** vLLM's bucket bounds for time to first token. */
    private static final double[] TTFT_BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5,
        0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
    /** vLLM's bucket bounds for end-to-end request latency. */
    private static final double[] E2E_BUCKETS = {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0,
        30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};

    private final String modelLabel;
    private long promptTokens;
    private long generationTokens;
    private final Map<FinishReason, Long> finished = new EnumMap<>(FinishReason.class);
    private final Map<Fault, Long> faults = new EnumMap<>(Fault.class);
    private final Histogram timeToFirstToken = new Histogram(TTFT_BUCKETS);
    private final Histogram e2eLatency = new Histogram(E2E_BUCKETS);

    public SimMetrics(String modelName) {
        this.modelLabel = PrometheusText.label("model_name", modelName);
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
    public record Gauges(int running, int waiting, double kvCacheUsage) {
    }

    public String render(Gauges gauges) {
        PrometheusText t = new PrometheusText();
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
        t.header("vllm:request_success_total", "counter", "Count of successfully processed requests.");
        for (FinishReason reason : FinishReason.values()) {
            t.sample("vllm:request_success_total",
                    modelLabel + "," + PrometheusText.label("finished_reason", reason.wireName()),
                    finished.getOrDefault(reason, 0L));
        }
        t.header("vllm:time_to_first_token_seconds", "histogram", "Histogram of time to first token in seconds.");
        t.histogram("vllm:time_to_first_token_seconds", modelLabel, timeToFirstToken);
        t.header("vllm:e2e_request_latency_seconds", "histogram", "Histogram of end to end request latency in seconds.");
        t.histogram("vllm:e2e_request_latency_seconds", modelLabel, e2eLatency);
        t.header("sim:faults_injected_total", "counter", "Faults the simulator injected, by fault name.");
        for (Fault fault : Fault.values()) {
            t.sample("sim:faults_injected_total",
                    modelLabel + "," + PrometheusText.label("fault", fault.wireName()), faults.getOrDefault(fault, 0L));
        }
        return t.toString();
    }
}
