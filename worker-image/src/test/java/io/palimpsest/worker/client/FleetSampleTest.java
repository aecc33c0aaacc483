package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FleetSampleTest {

    private static EnginePage page(double start, int waiting, int running, double kv, int preemptions) {
        return EnginePage.parse("process_start_time_seconds " + start + "\n"
                + "vllm:num_requests_waiting{model_name=\"m\",engine=\"0\"} " + waiting + ".0\n"
                + "vllm:num_requests_running{model_name=\"m\",engine=\"0\"} " + running + ".0\n"
                + "vllm:kv_cache_usage_perc{model_name=\"m\",engine=\"0\"} " + kv + "\n"
                + "vllm:num_preemptions_total{model_name=\"m\",engine=\"0\"} " + preemptions + ".0\n");
    }

    @Test
    void scrapesOfTheSameReplicaCountOnceAndReplicasAreSummed() {
        PreemptionCounter counter = new PreemptionCounter();
        List<EnginePage> round =
                List.of(page(1.5, 120, 16, 0.99, 10), page(2.5, 0, 8, 0.5, 0), page(1.5, 121, 16, 0.99, 10));
        QueueDepthProbe.FleetSample first = QueueDepthProbe.FleetSample.of(round, counter);
        assertEquals(2, first.replicas());
        assertEquals(0, first.shortestQueue(), "the other replica has free slots");
        assertEquals(24, first.running());
        assertEquals(0.745, first.kvUsage(), 1e-9);
        assertTrue(Double.isNaN(first.newPreemptions()), "no previous scrape of either replica");

        QueueDepthProbe.FleetSample second =
                QueueDepthProbe.FleetSample.of(List.of(page(2.5, 0, 8, 0.5, 1), page(1.5, 100, 16, 0.99, 13)), counter);
        assertEquals(4.0, second.newPreemptions(), "3 on one replica and 1 on the other, each against its own count");
    }

    @Test
    void theQueueSteeredByIsTheShortestOneCountedForEachReplica() {
        PreemptionCounter counter = new PreemptionCounter();
        // as in a campaign's first minute: the replica ready first holds the first workers' requests
        QueueDepthProbe.FleetSample uneven = QueueDepthProbe.FleetSample.of(
                List.of(
                        page(1.5, 56, 128, 0.2, 0),
                        page(2.5, 1, 34, 0.1, 0),
                        page(3.5, 0, 34, 0.1, 0),
                        page(4.5, 0, 30, 0.1, 0)),
                counter);
        assertEquals(0, uneven.shortestQueue());
        QueueDepthProbe.FleetSample lastSlots = QueueDepthProbe.FleetSample.of(
                List.of(
                        page(1.5, 56, 128, 0.2, 0),
                        page(2.5, 10, 128, 0.1, 0),
                        page(3.5, 0, 120, 0.1, 0),
                        page(4.5, 0, 128, 0.1, 0)),
                counter);
        assertEquals(0, lastSlots.shortestQueue(), "one replica still has 8 free slots");
        QueueDepthProbe.FleetSample full = QueueDepthProbe.FleetSample.of(
                List.of(
                        page(1.5, 56, 128, 0.2, 0),
                        page(2.5, 10, 128, 0.1, 0),
                        page(3.5, 3, 128, 0.1, 0),
                        page(4.5, 5, 128, 0.1, 0)),
                counter);
        assertEquals(12, full.shortestQueue(), "3 at the replica that waits least, for each of 4");
        QueueDepthProbe.FleetSample stepping =
                QueueDepthProbe.FleetSample.of(List.of(page(1.5, 3, 100, 0.2, 0), page(2.5, 2, 90, 0.1, 0)), counter);
        assertEquals(
                0, stepping.shortestQueue(), "requests that arrived during a step, beside a replica running fewer");
        QueueDepthProbe.FleetSample idle =
                QueueDepthProbe.FleetSample.of(List.of(page(1.5, 0, 100, 0.2, 0), page(2.5, 0, 20, 0.1, 0)), counter);
        assertEquals(0, idle.shortestQueue());
        QueueDepthProbe.FleetSample one = QueueDepthProbe.FleetSample.of(List.of(page(1.5, 7, 128, 0.2, 0)), counter);
        assertEquals(7, one.shortestQueue(), "one replica: its own queue");
    }

    @Test
    void pagesWithoutTheQueueGaugesGiveNoSample() {
        assertNull(QueueDepthProbe.FleetSample.of(
                List.of(EnginePage.parse("process_start_time_seconds 1.0\n")), new PreemptionCounter()));
        assertNull(QueueDepthProbe.FleetSample.of(List.of(), new PreemptionCounter()));
        QueueDepthProbe.FleetSample plain = QueueDepthProbe.FleetSample.of(
                List.of(EnginePage.parse("vllm:num_requests_waiting 3.0\nvllm:num_requests_running 5.0\n")),
                new PreemptionCounter());
        assertEquals(1, plain.replicas());
        assertTrue(Double.isNaN(plain.kvUsage()));
    }

    @Test
    void replicasMissedByARoundStayInTheViewUntilTheirPageIsOld() {
        QueueDepthProbe.RecentPages recent = new QueueDepthProbe.RecentPages(4_000);
        PreemptionCounter counter = new PreemptionCounter();
        assertEquals(
                1,
                QueueDepthProbe.FleetSample.of(recent.update(List.of(page(1.5, 10, 128, 0.5, 2)), 0), counter)
                        .replicas());
        QueueDepthProbe.FleetSample both =
                QueueDepthProbe.FleetSample.of(recent.update(List.of(page(2.5, 0, 100, 0.5, 0)), 1_000), counter);
        assertEquals(2, both.replicas(), "the first replica, scraped a round ago, is still counted");
        assertEquals(228, both.running());
        assertEquals(0.0, both.newPreemptions(), "a page seen again adds no preemptions");

        QueueDepthProbe.FleetSample newer =
                QueueDepthProbe.FleetSample.of(recent.update(List.of(page(1.5, 30, 128, 0.5, 5)), 4_500), counter);
        assertEquals(0, newer.shortestQueue(), "the other replica has free slots");
        assertEquals(2, newer.replicas());
        assertEquals(3.0, newer.newPreemptions(), "the first replica's newer page replaces its older one");

        QueueDepthProbe.FleetSample later =
                QueueDepthProbe.FleetSample.of(recent.update(List.of(page(1.5, 20, 128, 0.5, 5)), 5_001), counter);
        assertEquals(1, later.replicas(), "the second replica, not reached for more than 4,000 ns, is forgotten");
        assertEquals(20, later.shortestQueue(), "one replica left: its own queue");
    }
}
