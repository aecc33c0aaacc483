package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FleetSampleTest {

    private static String page(double start, int waiting, int running, double kv, int preemptions) {
        return "process_start_time_seconds " + start + "\n"
                + "vllm:num_requests_waiting{model_name=\"m\",engine=\"0\"} " + waiting + ".0\n"
                + "vllm:num_requests_running{model_name=\"m\",engine=\"0\"} " + running + ".0\n"
                + "vllm:kv_cache_usage_perc{model_name=\"m\",engine=\"0\"} " + kv + "\n"
                + "vllm:num_preemptions_total{model_name=\"m\",engine=\"0\"} " + preemptions + ".0\n";
    }

    @Test
    void scrapesOfTheSameReplicaCountOnceAndReplicasAreSummed() {
        PreemptionCounter counter = new PreemptionCounter();
        List<String> round = List.of(page(1.5, 120, 16, 0.99, 10), page(2.5, 0, 8, 0.5, 0), page(1.5, 121, 16, 0.99, 10));
        QueueDepthProbe.FleetSample first = QueueDepthProbe.FleetSample.of(round, counter);
        assertEquals(2, first.replicas());
        assertEquals(120, first.waiting(), "the busy replica's queue, once");
        assertEquals(24, first.running());
        assertEquals(0.745, first.kvUsage(), 1e-9);
        assertTrue(Double.isNaN(first.newPreemptions()), "no previous scrape of either replica");

        QueueDepthProbe.FleetSample second = QueueDepthProbe.FleetSample.of(
                List.of(page(2.5, 0, 8, 0.5, 1), page(1.5, 100, 16, 0.99, 13)), counter);
        assertEquals(4.0, second.newPreemptions(), "3 on one replica and 1 on the other, each against its own count");
    }

    @Test
    void pagesWithoutTheQueueGaugesGiveNoSample() {
        assertNull(QueueDepthProbe.FleetSample.of(List.of("process_start_time_seconds 1.0\n"), new PreemptionCounter()));
        assertNull(QueueDepthProbe.FleetSample.of(List.of(), new PreemptionCounter()));
        QueueDepthProbe.FleetSample plain = QueueDepthProbe.FleetSample.of(
                List.of("vllm:num_requests_waiting 3.0\nvllm:num_requests_running 5.0\n"), new PreemptionCounter());
        assertEquals(1, plain.replicas());
        assertTrue(Double.isNaN(plain.kvUsage()));
    }
}
