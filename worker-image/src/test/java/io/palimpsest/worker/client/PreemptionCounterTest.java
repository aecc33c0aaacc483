package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PreemptionCounterTest {

    private static String page(double start, double preemptions) {
        return "process_start_time_seconds " + start + "\n"
                + "vllm:num_preemptions_total{model_name=\"m\",engine=\"0\"} " + preemptions + "\n"
                + "vllm:kv_cache_usage_perc{model_name=\"m\",engine=\"0\"} 0.93\n";
    }

    @Test
    void differencesEachReplicaAgainstItsOwnPreviousScrape() {
        PreemptionCounter counter = new PreemptionCounter();
        assertTrue(
                Double.isNaN(counter.newSince(EnginePage.parse(page(100.5, 40)))), "first sight of a replica: unknown");
        assertTrue(Double.isNaN(counter.newSince(EnginePage.parse(page(200.25, 7)))));
        assertEquals(2.0, counter.newSince(EnginePage.parse(page(100.5, 42))));
        assertEquals(0.0, counter.newSince(EnginePage.parse(page(200.25, 7))), "not 7 - 42: another replica");
        assertTrue(
                Double.isNaN(counter.newSince(EnginePage.parse(page(100.5, 3)))),
                "a counter that went back: a restart");
    }

    @Test
    void aServerWithoutTheSeriesReportsNothing() {
        PreemptionCounter counter = new PreemptionCounter();
        assertTrue(Double.isNaN(counter.newSince(EnginePage.parse("vllm:num_requests_running 3.0\n"))));
        assertTrue(
                Double.isNaN(EnginePage.parse("vllm:num_requests_running 3.0\n").kvUsage()));
        assertEquals(0.93, EnginePage.parse(page(1, 1)).kvUsage());
        assertEquals(
                0.5,
                EnginePage.parse("vllm:gpu_cache_usage_perc{model_name=\"m\"} 0.5\n")
                        .kvUsage());
    }

    @Test
    void withoutAStartTimeEveryPageIsOneReplica() {
        PreemptionCounter counter = new PreemptionCounter();
        counter.newSince(EnginePage.parse("vllm:num_preemptions_total 5.0\n"));
        assertEquals(3.0, counter.newSince(EnginePage.parse("vllm:num_preemptions_total 8.0\n")));
    }
}
