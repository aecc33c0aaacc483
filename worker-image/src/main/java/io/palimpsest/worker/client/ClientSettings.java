package io.palimpsest.worker.client;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * How the worker talks to one OpenAI-compatible endpoint. {@code baseUrl} is without {@code /v1}.
 * {@code requestTimeout} is the deadline of one attempt, long enough for a full-length generation
 * on a loaded server; {@code maxOutage} is how long the worker waits for a dead server before it
 * gives the shard back (exit 75). {@code connectionUse}: one connection per request (the default, so
 * that a Service places every request) or kept-alive connections (see {@link ConnectionUse}). {@code replicas}:
 * an address listing every replica of the model, to place each request by the replicas' queues
 * ({@link ReplicaRouter}); empty, the Service places them.
 */
public record ClientSettings(
        URI baseUrl,
        Optional<String> apiKey,
        Duration requestTimeout,
        int maxAttempts,
        Duration backoffBase,
        Duration backoffCap,
        int initialConcurrency,
        int concurrencyCap,
        int gateThreshold,
        Duration probeEvery,
        Duration maxOutage,
        Duration metricsPeriod,
        ConnectionUse connectionUse,
        Optional<URI> replicas) {

    public static ClientSettings defaults(URI baseUrl) {
        return new ClientSettings(
                baseUrl,
                Optional.empty(),
                Duration.ofMinutes(10),
                8,
                Duration.ofMillis(500),
                Duration.ofSeconds(30),
                64,
                4096,
                8,
                Duration.ofSeconds(2),
                Duration.ofMinutes(10),
                Duration.ofSeconds(1),
                ConnectionUse.PER_REQUEST,
                Optional.empty());
    }

    public ClientSettings withApiKey(Optional<String> key) {
        return new ClientSettings(
                baseUrl,
                key,
                requestTimeout,
                maxAttempts,
                backoffBase,
                backoffCap,
                initialConcurrency,
                concurrencyCap,
                gateThreshold,
                probeEvery,
                maxOutage,
                metricsPeriod,
                connectionUse,
                replicas);
    }

    public ClientSettings withConcurrency(int initial, int cap) {
        return new ClientSettings(
                baseUrl,
                apiKey,
                requestTimeout,
                maxAttempts,
                backoffBase,
                backoffCap,
                initial,
                cap,
                gateThreshold,
                probeEvery,
                maxOutage,
                metricsPeriod,
                connectionUse,
                replicas);
    }

    public ClientSettings withTimeouts(Duration request, Duration outage) {
        return new ClientSettings(
                baseUrl,
                apiKey,
                request,
                maxAttempts,
                backoffBase,
                backoffCap,
                initialConcurrency,
                concurrencyCap,
                gateThreshold,
                probeEvery,
                outage,
                metricsPeriod,
                connectionUse,
                replicas);
    }

    public ClientSettings withBackoff(Duration base, Duration cap, Duration probe) {
        return new ClientSettings(
                baseUrl,
                apiKey,
                requestTimeout,
                maxAttempts,
                base,
                cap,
                initialConcurrency,
                concurrencyCap,
                gateThreshold,
                probe,
                maxOutage,
                metricsPeriod,
                connectionUse,
                replicas);
    }

    public ClientSettings withConnectionUse(ConnectionUse use) {
        return new ClientSettings(
                baseUrl,
                apiKey,
                requestTimeout,
                maxAttempts,
                backoffBase,
                backoffCap,
                initialConcurrency,
                concurrencyCap,
                gateThreshold,
                probeEvery,
                maxOutage,
                metricsPeriod,
                use,
                replicas);
    }

    /** How often the server's /metrics are read (the queue the concurrency and the placement steer by). */
    public ClientSettings withMetricsPeriod(Duration period) {
        return new ClientSettings(
                baseUrl,
                apiKey,
                requestTimeout,
                maxAttempts,
                backoffBase,
                backoffCap,
                initialConcurrency,
                concurrencyCap,
                gateThreshold,
                probeEvery,
                maxOutage,
                period,
                connectionUse,
                replicas);
    }

    /** Places requests on the replicas {@code base}'s host lists, by their queues ({@link ReplicaRouter}); the Service when it lists none. */
    public ClientSettings withReplicas(Optional<URI> base) {
        return new ClientSettings(
                baseUrl,
                apiKey,
                requestTimeout,
                maxAttempts,
                backoffBase,
                backoffCap,
                initialConcurrency,
                concurrencyCap,
                gateThreshold,
                probeEvery,
                maxOutage,
                metricsPeriod,
                connectionUse,
                base);
    }

    @Override
    public String toString() {
        return "ClientSettings[" + baseUrl + ", apiKey=" + (apiKey.isPresent() ? "***" : "none") + ", timeout="
                + requestTimeout
                + ", attempts=" + maxAttempts + ", concurrency=" + initialConcurrency + ".." + concurrencyCap
                + replicas.map(r -> ", replicas=" + r).orElse("") + "]";
    }
}
