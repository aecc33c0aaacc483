package io.palimpsest.operator.job.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.palimpsest.operator.job.RewriteJobNames;
import io.palimpsest.operator.metrics.JobMetrics;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class WorkerProgressScraperTest {

    @Test
    void readsRunningWorkersOnlyAndForgetsShardsThatEnded() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/metrics", exchange -> {
            byte[] body = WorkerMetricsTextTest.PAGE.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        HttpServer slow = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        slow.setExecutor(Executors.newCachedThreadPool());
        slow.createContext("/metrics", exchange -> {
            try {
                release.await(); // never answers within the scrape timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.start();
        slow.start();
        try {
            int port = server.getAddress().getPort();
            List<Pod> pods = new ArrayList<>(List.of(
                    pod("a", 0, "Running", RewriteJobNames.ROLE_WORK, port),
                    pod("a", 1, "Running", RewriteJobNames.ROLE_WORK, port),
                    pod(
                            "a",
                            2,
                            "Running",
                            RewriteJobNames.ROLE_WORK,
                            slow.getAddress().getPort()),
                    pod("a", 3, "Succeeded", RewriteJobNames.ROLE_WORK, port), // ended: its summary tells
                    pod("a", 4, "Running", RewriteJobNames.ROLE_PLAN, port), // not a worker
                    pod("b", 0, "Running", RewriteJobNames.ROLE_WORK, port)));
            LiveProgress live = new LiveProgress();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            WorkerProgressScraper scraper = new WorkerProgressScraper(
                    live, TestConfig.progress(true, 15, 3, 2), new JobMetrics(registry, Clock.systemUTC()));
            scraper.watch(() -> List.copyOf(pods), () -> Set.of(new ResourceID("a", "ns"), new ResourceID("b", "ns")));

            long start = System.nanoTime();
            scraper.round();
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(
                    new WorkerProgressScraper.Round(4, 3, scraper.lastRound().millis()), scraper.lastRound());
            assertTrue(
                    millis < 15_000,
                    "a pod that does not answer costs its timeout (3 s), not the round: " + millis + " ms");
            assertEquals(Set.of(0, 1), live.of(new ResourceID("a", "ns")).keySet());
            assertEquals(124, live.of(new ResourceID("a", "ns")).get(1).documents());
            assertEquals(Set.of(0), live.of(new ResourceID("b", "ns")).keySet());
            assertEquals(
                    4.0, registry.get("palimpsest.progress.round.pods").gauge().value());

            // Job b's pod ends: the next round drops its reading.
            pods.removeIf(p ->
                    p.getMetadata().getLabels().get(RewriteJobNames.JOB_LABEL).equals("b"));
            scraper.round();
            assertEquals(Map.of(), live.of(new ResourceID("b", "ns")));
            assertEquals(Set.of(0, 1), live.of(new ResourceID("a", "ns")).keySet());
        } finally {
            release.countDown();
            server.stop(0);
            slow.stop(0);
        }
    }

    @Test
    void aRunningPodThatMissesARoundKeepsItsReadingUntilItStopsRunning() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean stalled = new AtomicBoolean();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/metrics", exchange -> {
            if (stalled.get()) {
                try {
                    release.await(); // past the scrape timeout
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.close();
                return;
            }
            byte[] body = WorkerMetricsTextTest.PAGE.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            int port = server.getAddress().getPort();
            List<Pod> pods = new ArrayList<>(List.of(
                    pod("a", 0, "Running", RewriteJobNames.ROLE_WORK, port),
                    pod("a", 1, "Running", RewriteJobNames.ROLE_WORK, port)));
            LiveProgress live = new LiveProgress();
            WorkerProgressScraper scraper = new WorkerProgressScraper(
                    live,
                    TestConfig.progress(true, 15, 1, 4),
                    new JobMetrics(new SimpleMeterRegistry(), Clock.systemUTC()));
            scraper.watch(() -> List.copyOf(pods), () -> Set.of(new ResourceID("a", "ns")));
            ResourceID a = new ResourceID("a", "ns");

            scraper.round();
            Map<Integer, ShardProgress> first = live.of(a);
            assertEquals(Set.of(0, 1), first.keySet());

            // Nobody answers this round: both pods still run, both shards keep their readings.
            stalled.set(true);
            scraper.round();
            assertEquals(0, scraper.lastRound().answered());
            assertEquals(first, live.of(a), "a missed round only delays a shard's progress");

            // Shard 1's pod stops running (deleted), shard 0's is replaced by a new attempt that has not
            // answered: neither old reading stays.
            pods.remove(1);
            pods.set(
                    0,
                    new PodBuilder(pods.get(0))
                            .editMetadata()
                            .withName("a-work-0-retry")
                            .endMetadata()
                            .build());
            scraper.round();
            assertEquals(Map.of(), live.of(a));
        } finally {
            release.countDown();
            server.stop(0);
        }
    }

    @Test
    void eachRoundTellsTheCallerWhichJobsExistWithProgressOnOrOff() {
        for (boolean enabled : List.of(true, false)) {
            WorkerProgressScraper scraper = new WorkerProgressScraper(
                    new LiveProgress(),
                    TestConfig.progress(enabled, 15, 1, 4),
                    new JobMetrics(new SimpleMeterRegistry(), Clock.systemUTC()));
            Set<ResourceID> existing =
                    new java.util.HashSet<>(Set.of(new ResourceID("a", "ns"), new ResourceID("b", "ns")));
            List<Set<ResourceID>> told = new ArrayList<>();
            scraper.watch(List::of, () -> Set.copyOf(existing), told::add);
            scraper.round();
            existing.remove(new ResourceID("b", "ns"));
            scraper.round();
            assertEquals(
                    List.of(
                            Set.of(new ResourceID("a", "ns"), new ResourceID("b", "ns")),
                            Set.of(new ResourceID("a", "ns"))),
                    told,
                    "live progress " + (enabled ? "on" : "off"));
        }
    }

    @Test
    void aNewLeadershipKnowsNoReadingsUntilItsFirstRound() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/metrics", exchange -> {
            byte[] body = WorkerMetricsTextTest.PAGE.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            LiveProgress live = new LiveProgress(TestConfig.progress(true, 3600, 1, 4));
            assertFalse(live.current(), "a starting operator has read no worker yet");
            WorkerProgressScraper scraper = new WorkerProgressScraper(
                    live,
                    TestConfig.progress(true, 3600, 1, 4),
                    new JobMetrics(new SimpleMeterRegistry(), Clock.systemUTC()));
            List<Pod> pods = List.of(pod(
                    "a",
                    0,
                    "Running",
                    RewriteJobNames.ROLE_WORK,
                    server.getAddress().getPort()));
            scraper.watch(() -> pods, () -> Set.of(new ResourceID("a", "ns")));
            scraper.round();
            assertTrue(live.current());
            assertEquals(Set.of(0), live.of(new ResourceID("a", "ns")).keySet());

            // Leadership lost and taken again: the old readings are stale, none is known until a round.
            scraper.stopLeading();
            scraper.startLeading();
            try {
                assertFalse(live.current());
                assertEquals(Map.of(), live.of(new ResourceID("a", "ns")));
                scraper.round();
                assertTrue(live.current());
            } finally {
                scraper.stopLeading();
            }

            assertTrue(
                    new LiveProgress(TestConfig.progress(false, 15, 1, 4)).current(),
                    "live progress off: nothing to wait for");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void theMetricsPortComesFromThePodSpec() {
        assertEquals(1234, WorkerProgressScraper.port(pod("a", 0, "Running", RewriteJobNames.ROLE_WORK, 1234)));
        Pod bare = new PodBuilder(pod("a", 0, "Running", RewriteJobNames.ROLE_WORK, 1))
                .editSpec()
                .withContainers(List.of())
                .endSpec()
                .build();
        assertEquals(WorkerProgressScraper.DEFAULT_PORT, WorkerProgressScraper.port(bare));
    }

    static Pod pod(String job, int shard, String phase, String role, int port) {
        return new PodBuilder(ProgressChannelBenchmark.pod(job, shard, port))
                .editMetadata()
                .withNamespace("ns")
                .addToLabels(RewriteJobNames.ROLE_LABEL, role)
                .endMetadata()
                .editStatus()
                .withPhase(phase)
                .endStatus()
                .build();
    }
}
