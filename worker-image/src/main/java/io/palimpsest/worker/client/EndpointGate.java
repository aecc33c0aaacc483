package io.palimpsest.worker.client;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Stops sending when a server is down. After {@code threshold} consecutive outage failures (for
 * the model: refused or reset connections, and the statuses {@link StatusPolicy} calls an outage:
 * 429, 502, 503, 504) the gate closes: requests wait here instead of burning their retries, and one
 * probe of the server ({@link Endpoint#healthy}) per {@code probeEvery} (or the server's
 * Retry-After, when longer), growing to {@code probeCap} while it stays down, decides when to
 * reopen. An outage lasts from the first closing until a request is answered again, across
 * reopenings that failed at once (a 503 storm reopens and closes the gate many times); if it lasts
 * longer than {@code maxOutage}, every waiting and future request fails with the endpoint's
 * {@link Endpoint#unavailable} exception.
 */
public final class EndpointGate {

    private static final Logger LOG = Logger.getLogger(EndpointGate.class.getName());

    /** What a gate guards: the model's endpoint, an object store. */
    public interface Endpoint {
        /** For logs and messages, with its address ({@code model endpoint http://m:8000/health}). */
        String name();

        /** Whether it answers again; runs on the gate's scheduler while the gate is closed. */
        boolean healthy() throws InterruptedException;

        /** What waiting and later requests fail with once an outage outlasted the limit. */
        Exception unavailable(String message);
    }

    private final Endpoint endpoint;
    private final ScheduledExecutorService scheduler;
    private final int threshold;
    private final Duration probeEvery;
    private final Duration probeCap;
    private final Duration maxOutage;
    private final LongSupplier nanoClock;

    private int consecutiveFailures;
    private CompletableFuture<Void> open = CompletableFuture.completedFuture(null);
    private long closedAtNanos;
    /** When the current outage began (the first closing since the last answered request), or -1. */
    private long outageSinceNanos = -1;

    private Duration nextProbeDelay;
    /** The wait between probes while the server stays down: from probeEvery, doubling up to probeCap. */
    private Duration probeDelay;

    private String lastFailure = "";
    /** Probes that answered during the current outage while requests kept failing after each. */
    private int reopenings;

    /** The model endpoint's gate: probes {@code GET /health} every {@code probeEvery}. */
    public EndpointGate(
            HttpClient http,
            URI baseUrl,
            ScheduledExecutorService scheduler,
            int threshold,
            Duration probeEvery,
            Duration maxOutage,
            LongSupplier nanoClock) {
        this(
                new ModelHealth(http, baseUrl, ModelUrls.at(baseUrl, "/health"), probeEvery),
                scheduler,
                threshold,
                probeEvery,
                probeEvery,
                maxOutage,
                nanoClock);
    }

    public EndpointGate(
            Endpoint endpoint,
            ScheduledExecutorService scheduler,
            int threshold,
            Duration probeEvery,
            Duration probeCap,
            Duration maxOutage,
            LongSupplier nanoClock) {
        this.endpoint = endpoint;
        this.scheduler = scheduler;
        this.threshold = threshold;
        this.probeEvery = probeEvery;
        this.probeCap = probeCap;
        this.maxOutage = maxOutage;
        this.nanoClock = nanoClock;
    }

    /** Completes when requests may be sent (at once while the endpoint is healthy). */
    public synchronized CompletableFuture<Void> whenOpen() {
        return open;
    }

    public synchronized void recordSuccess() {
        consecutiveFailures = 0;
        outageSinceNanos = -1;
        reopenings = 0;
    }

    public void recordConnectionFailure(Throwable cause) {
        recordOutage(String.valueOf(cause), Optional.empty());
    }

    /** A refused connection or an outage status; {@code retryAfter} is the server's, if it said. */
    public synchronized void recordOutage(String what, Optional<Duration> retryAfter) {
        consecutiveFailures++;
        lastFailure = what;
        if (consecutiveFailures >= threshold && open.isDone() && !open.isCompletedExceptionally()) {
            long now = nanoClock.getAsLong();
            if (outageSinceNanos < 0) {
                outageSinceNanos = now;
                LOG.warning(endpoint.name() + " unavailable after " + consecutiveFailures
                        + (consecutiveFailures == 1 ? " failure" : " failures in a row") + " (" + what
                        + "); probing it until it answers");
            } else if (reopenings == 1) {
                LOG.warning(endpoint.name() + " answers its probe but requests still fail (" + what
                        + "); waiting until a request is answered");
            }
            open = new CompletableFuture<>();
            closedAtNanos = now;
            probeDelay = probeEvery;
            nextProbeDelay = retryAfter.filter(r -> r.compareTo(probeEvery) > 0).orElse(probeEvery);
            if (now - outageSinceNanos > maxOutage.toNanos()) {
                open.completeExceptionally(unavailable());
                return;
            }
            scheduleProbe();
        }
    }

    /**
     * Whether an outage explains a failure of a request sent at {@code sentAtNanos}: the gate is
     * closed, or closed after the request was sent. Such a failure is not the request's own.
     */
    public synchronized boolean explains(long sentAtNanos) {
        return !isOpen() || (outageSinceNanos >= 0 && closedAtNanos >= sentAtNanos);
    }

    /**
     * How long the current outage has lasted. A request sent before the gate closed may be answered
     * while it is closed (recordSuccess ends the outage): the closing then starts a new one.
     */
    private long outageLasted() {
        if (outageSinceNanos < 0) {
            outageSinceNanos = closedAtNanos;
        }
        return nanoClock.getAsLong() - outageSinceNanos;
    }

    private Exception unavailable() {
        return endpoint.unavailable(endpoint.name() + " unavailable for more than " + maxOutage.toSeconds()
                + " s (last: " + lastFailure
                + (reopenings > 0
                        ? "; its probe answered " + reopenings + (reopenings == 1 ? " time" : " times")
                                + " meanwhile, but requests kept failing"
                        : "")
                + ")");
    }

    /** How long requests have been waiting at the closed gate (the current outage so far), if they are. */
    public synchronized Optional<Duration> waiting() {
        return isOpen() || outageSinceNanos < 0
                ? Optional.empty()
                : Optional.of(Duration.ofNanos(nanoClock.getAsLong() - outageSinceNanos));
    }

    public synchronized boolean isOpen() {
        return open.isDone() && !open.isCompletedExceptionally();
    }

    private void scheduleProbe() {
        Duration delay = nextProbeDelay == null ? probeDelay : nextProbeDelay;
        nextProbeDelay = null;
        scheduler.schedule(this::probe, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void probe() {
        boolean healthy;
        try {
            healthy = endpoint.healthy();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        CompletableFuture<Void> toComplete;
        synchronized (this) {
            toComplete = open;
            if (healthy) {
                // reopen, but the outage goes on until a request is answered (recordSuccess)
                consecutiveFailures = 0;
                if (reopenings++ == 0) {
                    LOG.info(endpoint.name() + " healthy again after "
                            + (nanoClock.getAsLong() - closedAtNanos) / 1_000_000 + " ms");
                }
            } else if (outageLasted() > maxOutage.toNanos()) {
                toComplete = null;
                open.completeExceptionally(unavailable());
            } else {
                Duration doubled = probeDelay.multipliedBy(2);
                probeDelay = doubled.compareTo(probeCap) > 0 ? probeCap : doubled;
                scheduleProbe();
                return;
            }
        }
        if (toComplete != null) {
            toComplete.complete(null);
        }
    }

    /** The model server's {@code /health}: healthy when it answers 200. */
    private record ModelHealth(HttpClient http, URI baseUrl, URI health, Duration probeEvery) implements Endpoint {

        @Override
        public String name() {
            return "model endpoint " + baseUrl;
        }

        @Override
        public boolean healthy() throws InterruptedException {
            try {
                HttpResponse<Void> response = http.send(
                        HttpRequest.newBuilder(health)
                                .timeout(probeEvery.plusSeconds(1))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                return response.statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public Exception unavailable(String message) {
            return new ModelUnavailableException(message, null);
        }
    }
}
