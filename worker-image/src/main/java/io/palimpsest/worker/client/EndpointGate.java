package io.palimpsest.worker.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

import io.palimpsest.worker.run.ModelUnavailableException;

/**
 * Stops sending when the server is down. After {@code threshold} consecutive connection failures
 * the gate closes: requests wait here instead of burning their retries, and one probe of
 * {@code /health} per {@code probeEvery} decides when to reopen. If the server stays down longer
 * than {@code maxOutage}, every waiting and future request fails with {@link ModelUnavailableException}.
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

    public EndpointGate(HttpClient http, URI baseUrl, ScheduledExecutorService scheduler, int threshold,
                        Duration probeEvery, Duration maxOutage, LongSupplier nanoClock) {
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
    }

    public synchronized void recordConnectionFailure(Throwable cause) {
        consecutiveFailures++;
        if (consecutiveFailures >= threshold && open.isDone() && !open.isCompletedExceptionally()) {
            LOG.warning("model endpoint unreachable after " + consecutiveFailures + " connection failures (" + cause
                    + "); probing " + health + " until it answers");
            open = new CompletableFuture<>();
            closedAtNanos = nanoClock.getAsLong();
            scheduleProbe();
        }
    }

    public synchronized boolean isOpen() {
        return open.isDone() && !open.isCompletedExceptionally();
    }

    private void scheduleProbe() {
        scheduler.schedule(this::probe, probeEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void probe() {
        boolean healthy;
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(health).timeout(probeEvery.plusSeconds(1)).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            healthy = response.statusCode() == 200;
        } catch (java.io.IOException e) {
            healthy = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        CompletableFuture<Void> toComplete;
        synchronized (this) {
            toComplete = open;
            if (healthy) {
                consecutiveFailures = 0;
                LOG.info("model endpoint healthy again after " + (nanoClock.getAsLong() - closedAtNanos) / 1_000_000 + " ms");
            } else if (nanoClock.getAsLong() - closedAtNanos > maxOutage.toNanos()) {
                toComplete = null;
                open.completeExceptionally(new ModelUnavailableException("model endpoint " + health + " unreachable for more than "
                        + maxOutage.toSeconds() + " s", null));
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
