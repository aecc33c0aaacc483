package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The probe's last round must be over when close() returns: a local run stops its in-process
 * simulator right after the client, and a scrape still connecting then reaches a server that is
 * closing (Vert.x prints a stack trace for the connection it can no longer hand to an event loop).
 */
class QueueDepthProbeCloseTest {

    @Test
    void closeWaitsForTheRoundUnderWay() throws Exception {
        AtomicInteger arrived = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        CountDownLatch first = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/metrics", exchange -> {
            arrived.incrementAndGet();
            first.countDown();
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "vllm:num_requests_waiting{model_name=\"m\"} 0\n".getBytes(StandardCharsets.UTF_8);
            // counted before the answer leaves: once the client has it, close() may return at once
            answered.incrementAndGet();
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try {
            URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
            QueueDepthProbe probe = new QueueDepthProbe(
                    http,
                    base,
                    new AdaptiveConcurrency(4, 64, System::nanoTime),
                    scheduler,
                    Duration.ofSeconds(10),
                    null);
            assertTrue(first.await(10, TimeUnit.SECONDS), "the first round never reached the server");

            probe.close();

            int atClose = arrived.get();
            assertEquals(QueueDepthProbe.SCRAPES_PER_ROUND, atClose, "a scrape of the round was still connecting");
            assertEquals(atClose, answered.get(), "close() returned while a scrape was still being answered");
            Thread.sleep(200);
            assertEquals(atClose, arrived.get(), "a scrape reached the server after close()");
        } finally {
            scheduler.shutdownNow();
            server.stop(0);
        }
    }
}
