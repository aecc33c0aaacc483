package io.palimpsest.sim.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.sim.Eventually;
import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.OutageMode;
import io.palimpsest.sim.SimClient;
import io.palimpsest.sim.SimConfig;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Simulated model outages: refused connections and 503s, manual and timed. */
class OutageHttpTest {

    @Test
    void pauseRefusesConnectionsAndDropsInFlightRequestsUntilResume() throws Exception {
        SimConfig cfg = SimConfig.builder()
                .decodeStepBaseSeconds(0.05)
                .decodeStepPerSeqSeconds(0)
                .prefillSecondsPerToken(0)
                .build();
        try (ModelSimServer sim = ModelSimServer.start(cfg, "127.0.0.1", 0)) {
            SimClient client = new SimClient(sim.baseUrl());
            HttpRequest slow = client.request("/v1/chat/completions")
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            SimClient.chat("many words ".repeat(300)).toString()))
                    .build();
            CompletableFuture<HttpResponse<String>> inFlight =
                    client.http().sendAsync(slow, HttpResponse.BodyHandlers.ofString());
            Thread.sleep(200);
            int port = sim.port();

            sim.pause();
            assertTrue(sim.isPaused());
            CompletionException dropped = assertThrows(CompletionException.class, inFlight::join);
            assertTrue(dropped.getCause() instanceof IOException, dropped.toString());
            SimClient fresh = new SimClient(sim.baseUrl());
            assertThrows(ConnectException.class, () -> fresh.get("/health"));

            sim.resume();
            assertEquals(port, sim.port());
            assertEquals(200, new SimClient(sim.baseUrl()).get("/health").status());
        }
    }

    @Test
    void timedUnavailableOutageEndsByItself() throws Exception {
        try (ModelSimServer sim =
                ModelSimServer.start(SimConfig.builder().zeroLatency().build(), "127.0.0.1", 0)) {
            SimClient client = new SimClient(sim.baseUrl());
            long t0 = System.nanoTime();
            sim.pauseFor(Duration.ofMillis(1500), OutageMode.SERVICE_UNAVAILABLE);
            assertEquals(503, client.get("/health").status());
            assertEquals(
                    503,
                    client.post("/v1/chat/completions", SimClient.chat("hi")).status());
            Eventually.holds(Duration.ofSeconds(10), () -> client.get("/health").status() == 200);
            assertTrue(System.nanoTime() - t0 >= 1_500_000_000L);
            assertEquals(
                    200,
                    client.post("/v1/chat/completions", SimClient.chat("hi")).status());
        }
    }

    @Test
    void adminApiStartsATimedRefusingOutage() throws Exception {
        try (ModelSimServer sim =
                ModelSimServer.start(SimConfig.builder().zeroLatency().build(), "127.0.0.1", 0)) {
            SimClient client = new SimClient(sim.baseUrl());
            assertEquals(
                    200, client.post("/admin/pause?mode=refuse&seconds=1.5", "").status());
            Eventually.holds(Duration.ofSeconds(5), () -> {
                try {
                    new SimClient(sim.baseUrl()).get("/health");
                    return false;
                } catch (ConnectException refused) {
                    return true;
                }
            });
            Eventually.holds(
                    Duration.ofSeconds(10),
                    () -> new SimClient(sim.baseUrl()).get("/health").status() == 200);
            assertEquals(
                    "none", client.get("/admin/status").json().get("outage").asText());
        }
    }
}
