package io.palimpsest.sim.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.palimpsest.sim.ModelSimServer;
import io.palimpsest.sim.SimClient;
import io.palimpsest.sim.SimConfig;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Shutdown on SIGTERM as vLLM's HTTP server does it: open requests finish, new ones are refused. */
class DrainHttpTest {

    private static SimConfig slow() {
        // about 40 completion tokens at 20 ms a step: a request takes close to a second
        return SimConfig.builder()
                .decodeStepBaseSeconds(0.02)
                .decodeStepPerSeqSeconds(0)
                .prefillSecondsPerToken(0)
                .build();
    }

    private static CompletableFuture<HttpResponse<String>> send(SimClient client, String text) {
        HttpRequest request = client.request("/v1/chat/completions")
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(SimClient.chat(text)
                        .put("max_tokens", 40)
                        .put("ignore_eos", true)
                        .toString()))
                .build();
        return client.http().sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void openRequestsFinishWhileNewOnesAreRefusedThenTheServerCloses() throws Exception {
        try (ModelSimServer sim = ModelSimServer.start(slow(), "127.0.0.1", 0)) {
            SimClient client = new SimClient(sim.baseUrl());
            List<CompletableFuture<HttpResponse<String>>> open = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                open.add(send(client, "many words ".repeat(100) + i));
            }
            Thread.sleep(200);
            long t0 = System.nanoTime();
            CompletableFuture<Void> drained = sim.drain(Duration.ofSeconds(30));
            assertEquals(
                    503,
                    client.post("/v1/chat/completions", SimClient.chat("late")).status(),
                    "a new request is refused");
            assertEquals(503, client.get("/health").status(), "the readiness probe fails");
            assertFalse(drained.isDone(), "three requests are still generating");
            for (CompletableFuture<HttpResponse<String>> reply : open) {
                assertEquals(200, reply.get(10, TimeUnit.SECONDS).statusCode(), "an open request runs to its end");
            }
            drained.get(10, TimeUnit.SECONDS);
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "closed once the engine was empty");
            assertThrows(
                    IOException.class, () -> new SimClient(sim.baseUrl()).get("/health"), "closed after the drain");
        }
    }

    @Test
    void aZeroTimeoutAbortsOpenRequestsAtOnce() throws Exception {
        try (ModelSimServer sim = ModelSimServer.start(slow(), "127.0.0.1", 0)) {
            CompletableFuture<HttpResponse<String>> open =
                    send(new SimClient(sim.baseUrl()), "many words ".repeat(100));
            Thread.sleep(200);
            sim.drain(Duration.ZERO).get(5, TimeUnit.SECONDS);
            assertThrows(CompletionException.class, open::join);
        }
    }

    @Test
    void theDrainEndsAtItsTimeoutWhateverIsOpen() throws Exception {
        try (ModelSimServer sim = ModelSimServer.start(slow(), "127.0.0.1", 0)) {
            CompletableFuture<HttpResponse<String>> open =
                    send(new SimClient(sim.baseUrl()), "many words ".repeat(100));
            Thread.sleep(100);
            long t0 = System.nanoTime();
            sim.drain(Duration.ofMillis(300)).get(5, TimeUnit.SECONDS);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(millis >= 250 && millis < 2_000, "ended at the timeout: " + millis + " ms");
            assertThrows(CompletionException.class, open::join, "the request still open was cut");
        }
    }
}
