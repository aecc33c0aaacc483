package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EnginePageTest {

    /** Shaped like a vLLM V1 server with two engines (data parallel): comments, neighbours, histograms. */
    private static final String TWO_ENGINES = """
            # HELP python_gc_objects_collected_total Objects collected during gc
            # TYPE python_gc_objects_collected_total counter
            python_gc_objects_collected_total{generation="0"} 12345.0
            # HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
            # TYPE process_start_time_seconds gauge
            process_start_time_seconds 1.76487652034e+09
            # HELP vllm:num_requests_running Number of requests in model execution batches.
            # TYPE vllm:num_requests_running gauge
            vllm:num_requests_running{engine="0",model_name="org/rewriter v2"} 128.0
            vllm:num_requests_running{engine="1",model_name="org/rewriter v2"} 96.0
            vllm:num_requests_running_total{engine="0",model_name="org/rewriter v2"} 9000.0
            # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
            # TYPE vllm:num_requests_waiting gauge
            vllm:num_requests_waiting{engine="0",model_name="org/rewriter v2"} 7.0
            vllm:num_requests_waiting{engine="1",model_name="org/rewriter v2"} 2.0 1764876600000
            vllm:num_requests_waiting{engine="2",model_name="org/rewriter v2"} not-a-number
            vllm:num_requests_waiting{engine="3",model_name="org/rewriter v2"
            vllm:num_requests_waiting{engine="4",model_name="org/rewriter v2"}
            # HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
            # TYPE vllm:kv_cache_usage_perc gauge
            vllm:kv_cache_usage_perc{engine="0",model_name="org/rewriter v2"} 0.91
            vllm:kv_cache_usage_perc{engine="1",model_name="org/rewriter v2"} 0.64
            vllm:gpu_cache_usage_perc{engine="0",model_name="org/rewriter v2"} 0.2
            # HELP vllm:num_preemptions_total Cumulative number of preemption from the engine.
            # TYPE vllm:num_preemptions_total counter
            vllm:num_preemptions_total{engine="0",model_name="org/rewriter v2"} 40.0
            vllm:num_preemptions_total{engine="1",model_name="org/rewriter v2"} 2.0
            vllm:num_preemptions_created{engine="0",model_name="org/rewriter v2"} 1.7648765e+09
            # HELP vllm:e2e_request_latency_seconds Histogram of end to end request latency in seconds.
            # TYPE vllm:e2e_request_latency_seconds histogram
            vllm:e2e_request_latency_seconds_bucket{engine="0",le="+Inf",model_name="org/rewriter v2"} 517.0
            vllm:e2e_request_latency_seconds_count{engine="0",model_name="org/rewriter v2"} 517.0
            vllm:e2e_request_latency_seconds_sum{engine="0",model_name="org/rewriter v2"} 4242.5
            """;

    @Test
    void onePassReadsEveryGaugeOfARealisticPage() {
        EnginePage page = EnginePage.parse(TWO_ENGINES);
        assertEquals(9.0, page.waiting(), "summed over engines; the malformed and valueless lines are skipped");
        assertEquals(224.0, page.running(), "the _total neighbour is another metric");
        assertEquals(0.91, page.kvUsage(), "the fullest engine; the older name is not read beside the newer");
        assertEquals(42.0, page.preemptionsTotal(), "the _created neighbour is another metric");
        assertEquals(1.76487652034e+09, page.processStart());
        assertEquals("1.76487652034E9", page.replica());
        assertTrue(page.hasQueue());
    }

    @Test
    void aMissingSeriesIsAbsentNotZero() {
        EnginePage empty = EnginePage.parse("");
        assertEquals(-1.0, empty.waiting());
        assertEquals(-1.0, empty.running());
        assertTrue(Double.isNaN(empty.kvUsage()));
        assertEquals(-1.0, empty.preemptionsTotal());
        assertEquals(-1.0, empty.processStart());
        assertEquals("", empty.replica(), "every page without a start time is the same replica");
        assertFalse(empty.hasQueue());

        EnginePage neighboursOnly = EnginePage.parse("""
                vllm:num_requests_waiting
                vllm:num_requests_waiting_total 5
                vllm:num_requests_running{engine="0"} garbage
                vllm:num_requests_running{engine="1"
                vllm:num_preemptions_created 1.7e9
                """);
        assertEquals(-1.0, neighboursOnly.waiting(), "a bare name and a longer name are no samples");
        assertEquals(-1.0, neighboursOnly.running(), "only malformed samples: absent");
        assertEquals(-1.0, neighboursOnly.preemptionsTotal());
        assertFalse(neighboursOnly.hasQueue());

        EnginePage idle = EnginePage.parse("vllm:num_requests_waiting 0.0\nvllm:num_requests_running 0.0\n");
        assertEquals(0.0, idle.waiting());
        assertTrue(idle.hasQueue(), "an idle engine reports zeros");
    }

    @Test
    void kvUsageFallsBackToTheNameBeforeVllm010() {
        EnginePage older = EnginePage.parse("""
                # TYPE vllm:gpu_cache_usage_perc gauge
                vllm:gpu_cache_usage_perc{engine="0",model_name="m"} 0.3
                vllm:gpu_cache_usage_perc{engine="1",model_name="m"} 0.55
                """);
        assertEquals(0.55, older.kvUsage());
        assertTrue(Double.isNaN(
                EnginePage.parse("vllm:kv_cache_usage_perc{engine=\"0\"} x\n").kvUsage()));
        assertEquals(
                0.0,
                EnginePage.parse("vllm:kv_cache_usage_perc 0.0\nvllm:gpu_cache_usage_perc 0.7\n")
                        .kvUsage(),
                "an empty cache under the newer name is a reading, not an absence");
    }

    @Test
    void linesEndingInCarriageReturnsAndALastLineWithoutNewlineStillCount() {
        EnginePage page = EnginePage.parse("vllm:num_requests_waiting 4\r\nvllm:num_requests_running{a=\"b\"} 6");
        assertEquals(4.0, page.waiting());
        assertEquals(6.0, page.running());
    }
}
