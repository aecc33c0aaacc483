package io.palimpsest.operator.model.autoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VllmMetricsTextTest {

    @Test
    void sumsEverySeriesOfTheTwoGaugesAndIgnoresTheRest() {
        String body = """
                # HELP vllm:num_requests_running Number of requests in model execution batches.
                # TYPE vllm:num_requests_running gauge
                vllm:num_requests_running{engine="0",model_name="m"} 12.0
                vllm:num_requests_running{engine="1",model_name="m"} 4.0
                # TYPE vllm:num_requests_waiting gauge
                vllm:num_requests_waiting{model_name="with } and spaces"} 7.0 1700000000000
                vllm:num_requests_waiting_by_reason{reason="capacity"} 99.0
                vllm:num_requests_swapped{model_name="m"} 5.0
                vllm:prompt_tokens_total{model_name="m"} 123456.0
                """;
        VllmMetricsText.Gauges g = VllmMetricsText.parse(body);
        assertEquals(7.0, g.waiting());
        assertEquals(16.0, g.running());
    }

    @Test
    void unlabelledSeriesAndNaNAreRead() {
        VllmMetricsText.Gauges g =
                VllmMetricsText.parse("vllm:num_requests_waiting 3\nvllm:num_requests_running NaN\n");
        assertEquals(3.0, g.waiting());
        assertEquals(0.0, g.running());
    }

    @Test
    void readsTheFullestEnginesKvUsageUnderEitherName() {
        String body = """
                vllm:num_requests_running{engine="0",model_name="m"} 12.0
                vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.42
                vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.93
                """;
        assertEquals(0.93, VllmMetricsText.parse(body).kvUsage());
        assertEquals(
                0.5,
                VllmMetricsText.parse("vllm:num_requests_running 1\nvllm:gpu_cache_usage_perc 0.5\n")
                        .kvUsage());
        assertTrue(
                Double.isNaN(
                        VllmMetricsText.parse("vllm:num_requests_running 1\n").kvUsage()),
                "not reported: NaN");
    }

    @Test
    void aPageWithoutTheGaugesIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> VllmMetricsText.parse("# nothing\nup 1\n"));
    }
}
