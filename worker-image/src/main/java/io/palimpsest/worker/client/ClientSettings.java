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
 *
 * <p>Built with {@link #builder(URI)} (the defaults) or {@link #toBuilder()} (a copy to change), so
 * that a field added here is listed in the builder only, not in every caller that changes one.
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
        Optional<URI> replicas,
        Optional<String> apiKeyVariable) {

    public static ClientSettings defaults(URI baseUrl) {
        return builder(baseUrl).build();
    }

    /** The settings for {@code baseUrl} with every other field at its default. */
    public static Builder builder(URI baseUrl) {
        return new Builder(baseUrl);
    }

    /** A builder holding every field of these settings. */
    public Builder toBuilder() {
        return new Builder(baseUrl)
                .apiKey(apiKey)
                .requestTimeout(requestTimeout)
                .maxAttempts(maxAttempts)
                .backoffBase(backoffBase)
                .backoffCap(backoffCap)
                .initialConcurrency(initialConcurrency)
                .concurrencyCap(concurrencyCap)
                .gateThreshold(gateThreshold)
                .probeEvery(probeEvery)
                .maxOutage(maxOutage)
                .metricsPeriod(metricsPeriod)
                .connectionUse(connectionUse)
                .replicas(replicas)
                .apiKeyVariable(apiKeyVariable);
    }

    @Override
    public String toString() {
        return "ClientSettings[" + baseUrl + ", apiKey=" + (apiKey.isPresent() ? "***" : "none") + ", timeout="
                + requestTimeout
                + ", attempts=" + maxAttempts + ", concurrency=" + initialConcurrency + ".." + concurrencyCap
                + replicas.map(r -> ", replicas=" + r).orElse("") + "]";
    }

    /** Each method sets the field of the same name; {@link #build()} makes the settings. */
    public static final class Builder {
        private URI baseUrl;
        private Optional<String> apiKey = Optional.empty();
        private Duration requestTimeout = Duration.ofMinutes(10);
        private int maxAttempts = 8;
        private Duration backoffBase = Duration.ofMillis(500);
        private Duration backoffCap = Duration.ofSeconds(30);
        private int initialConcurrency = 64;
        private int concurrencyCap = 4096;
        private int gateThreshold = 8;
        private Duration probeEvery = Duration.ofSeconds(2);
        private Duration maxOutage = Duration.ofMinutes(10);
        private Duration metricsPeriod = Duration.ofSeconds(1);
        private ConnectionUse connectionUse = ConnectionUse.PER_REQUEST;
        private Optional<URI> replicas = Optional.empty();
        private Optional<String> apiKeyVariable = Optional.empty();

        private Builder(URI baseUrl) {
            this.baseUrl = baseUrl;
        }

        public Builder baseUrl(URI baseUrl) {
            this.baseUrl = baseUrl;
            return this;
        }

        public Builder apiKey(Optional<String> apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        public Builder backoffBase(Duration backoffBase) {
            this.backoffBase = backoffBase;
            return this;
        }

        public Builder backoffCap(Duration backoffCap) {
            this.backoffCap = backoffCap;
            return this;
        }

        public Builder initialConcurrency(int initialConcurrency) {
            this.initialConcurrency = initialConcurrency;
            return this;
        }

        public Builder concurrencyCap(int concurrencyCap) {
            this.concurrencyCap = concurrencyCap;
            return this;
        }

        public Builder gateThreshold(int gateThreshold) {
            this.gateThreshold = gateThreshold;
            return this;
        }

        public Builder probeEvery(Duration probeEvery) {
            this.probeEvery = probeEvery;
            return this;
        }

        public Builder maxOutage(Duration maxOutage) {
            this.maxOutage = maxOutage;
            return this;
        }

        /** How often the server's /metrics are read (the queue the concurrency and the placement steer by). */
        public Builder metricsPeriod(Duration metricsPeriod) {
            this.metricsPeriod = metricsPeriod;
            return this;
        }

        public Builder connectionUse(ConnectionUse connectionUse) {
            this.connectionUse = connectionUse;
            return this;
        }

        /**
         * Places requests on the replicas {@code replicas}' host lists, by their queues ({@link ReplicaRouter});
         * the Service when it lists none.
         */
        public Builder replicas(Optional<URI> replicas) {
            this.replicas = replicas;
            return this;
        }

        /** The environment variable the model's key is read from, when the model asks for a key. */
        public Builder apiKeyVariable(Optional<String> apiKeyVariable) {
            this.apiKeyVariable = apiKeyVariable;
            return this;
        }

        public ClientSettings build() {
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
                    replicas,
                    apiKeyVariable);
        }
    }
}
