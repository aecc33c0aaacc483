package io.palimpsest.worker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EndpointGateTest {

    /**
     * A request sent before the gate closed can be answered while it is closed: that ends the outage
     * it was part of, and must not make the next failed probe read as an outage of unbounded length.
     */
    @Test
    void aLateAnswerWhileClosedDoesNotEndTheRunAtTheNextProbe() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket()) {
            free.bind(new InetSocketAddress("127.0.0.1", 0));
            port = free.getLocalPort(); // closed again: connections to it are refused
        }
        AtomicLong now = new AtomicLong(1_000_000_000_000L);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            EndpointGate gate = new EndpointGate(
                    HttpClient.newHttpClient(),
                    URI.create("http://127.0.0.1:" + port),
                    scheduler,
                    2,
                    Duration.ofMillis(20),
                    Duration.ofMinutes(2),
                    now::get);
            gate.recordConnectionFailure(new ConnectException("refused"));
            gate.recordConnectionFailure(new ConnectException("refused"));
            assertFalse(gate.isOpen(), "closed after the threshold");
            gate.recordSuccess(); // a request from before the closing, answered late
            now.addAndGet(Duration.ofSeconds(5).toNanos());
            scheduler.schedule(() -> {}, 300, TimeUnit.MILLISECONDS).get(); // let several probes fail
            assertFalse(gate.whenOpen().isCompletedExceptionally(), "5 s into a 2-minute outage limit the run goes on");
            now.addAndGet(Duration.ofMinutes(3).toNanos());
            scheduler.schedule(() -> {}, 300, TimeUnit.MILLISECONDS).get();
            assertTrue(gate.whenOpen().isCompletedExceptionally(), "past the limit the run stops");
        } finally {
            scheduler.shutdownNow();
        }
    }

    /**
     * A server whose probe answers while every request fails (/health 200, completions 503): the
     * message past the limit says so, instead of reading as if the probe had failed.
     */
    @Test
    void anOutageWhoseProbeAnswersSaysRequestsKeptFailing() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000_000_000L);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        EndpointGate.Endpoint probeAnswers = new EndpointGate.Endpoint() {
            @Override
            public String name() {
                return "model endpoint http://m:8000";
            }

            @Override
            public boolean healthy() {
                return true;
            }

            @Override
            public Exception unavailable(String message) {
                return new ModelUnavailableException(message, null);
            }
        };
        try {
            EndpointGate gate = new EndpointGate(
                    probeAnswers,
                    scheduler,
                    1,
                    Duration.ofMillis(10),
                    Duration.ofMillis(10),
                    Duration.ofSeconds(10),
                    now::get);
            for (int i = 0; i < 3; i++) {
                gate.recordOutage("HTTP 503", Optional.empty());
                gate.whenOpen().get(5, TimeUnit.SECONDS); // the probe answers: reopened
                now.addAndGet(Duration.ofSeconds(4).toNanos());
            }
            gate.recordOutage("HTTP 503", Optional.empty());
            ExecutionException past =
                    assertThrows(ExecutionException.class, () -> gate.whenOpen().get(5, TimeUnit.SECONDS));
            assertEquals(
                    "model endpoint http://m:8000 unavailable for more than 10 s (last: HTTP 503; its probe answered"
                            + " 3 times meanwhile, but requests kept failing)",
                    past.getCause().getMessage());
        } finally {
            scheduler.shutdownNow();
        }
    }
}
