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
 * Stops sending when the server is down. After {@code threshold} consecutive outage failures
 * (refused or reset connections, and the statuses {@link StatusPolicy} calls an outage: 429, 502,
 * 503, 504) the gate closes: requests wait here instead of burning their retries, and one probe of
 * {@code /health} per {@code probeEvery} (or the server's Retry-After, when longer) decides when to
 * reopen. An outage lasts from the first closing until a request is answered again, across
 * reopenings that failed at once (a 503 storm reopens and closes the gate many times); if it lasts
 * longer than {@code maxOutage}, every waiting and future request fails with
 * {@link ModelUnavailableException}.
 */
public final class EndpointGate {

    private static final Logger LOG = Logger.getLogger(EndpointGate.class.getName());

    private final HttpClient http;
    private final URI health;
    private final ScheduledExecutorService scheduler;
    private final int threshold;
    private final Duration probeEvery;
    private final Duration maxOutage;
    private final LongSupplier nanoClock;

    private int consecutiveFailures;
    private CompletableFuture<Void> open = CompletableFuture.completedFuture(null);
    private long closedAtNanos;
    /** When the current outage began (the first closing since the last answered request), or -1. */
    private long outageSinceNanos = -1;

    private Duration nextProbeDelay;
    private String lastFailure = "";

    public EndpointGate(
            HttpClient http,
            URI baseUrl,
            ScheduledExecutorService scheduler,
            int threshold,
            Duration probeEvery,
            Duration maxOutage,
            LongSupplier nanoClock) {
        this.http = http;
        this.health = baseUrl.resolve("/health");
        this.scheduler = scheduler;
        this.threshold = threshold;
        this.probeEvery = probeEvery;
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
                LOG.warning("model endpoint unavailable after " + consecutiveFailures + " failures in a row (" + what
                        + "); probing " + health + " until it answers");
            }
            open = new CompletableFuture<>();
            closedAtNanos = now;
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

    private ModelUnavailableException unavailable() {
        return new ModelUnavailableException(
                "model endpoint " + health + " unavailable for more than " + maxOutage.toSeconds() + " s (last: "
                        + lastFailure + ")",
                null);
    }

    public synchronized boolean isOpen() {
        return open.isDone() && !open.isCompletedExceptionally();
    }

    private void scheduleProbe() {
        Duration delay = nextProbeDelay == null ? probeEvery : nextProbeDelay;
        nextProbeDelay = null;
        scheduler.schedule(this::probe, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void probe() {
        boolean healthy;
        try {
            HttpResponse<Void> response = http.send(
                    HttpRequest.newBuilder(health)
                            .timeout(probeEvery.plusSeconds(1))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            healthy = response.statusCode() == 200;
        } catch (IOException e) {
            healthy = false;
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
                LOG.info("model endpoint healthy again after " + (nanoClock.getAsLong() - closedAtNanos) / 1_000_000
                        + " ms");
            } else if (outageLasted() > maxOutage.toNanos()) {
                toComplete = null;
                open.completeExceptionally(unavailable());
            } else {
                scheduleProbe();
                return;
            }
        }
        if (toComplete != null) {
            toComplete.complete(null);
        }
    }
}
