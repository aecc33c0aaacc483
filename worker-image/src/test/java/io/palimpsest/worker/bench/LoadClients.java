package io.palimpsest.worker.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.palimpsest.worker.client.ClientSettings;
import io.palimpsest.worker.client.ModelClient;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The two clients the long-document benchmarks compare, behind one face. */
final class LoadClients {
    private LoadClients() {}

    interface Load extends AutoCloseable {
        void start();

        long completions();

        long completionTokens();

        /** Attempts that ran into the deadline (each is sent again). */
        long expiries();

        /** What the client's own limit allows in flight now. */
        int inFlight();

        @Override
        void close();
    }

    /**
     * The worker's model client (its adaptive concurrency and queue probe included), fed documents
     * as the worker's pipeline feeds it: as many as it will take, bounded only by {@code backlog}.
     */
    static Load worker(String baseUrl, Duration deadline, LongDocuments docs, long firstDocument, int backlog) {
        ClientSettings settings = ClientSettings.builder(URI.create(baseUrl))
                .initialConcurrency(64)
                .concurrencyCap(4096)
                .requestTimeout(deadline)
                .maxOutage(Duration.ofMinutes(10))
                .build();
        ModelClient client = new ModelClient(settings, new ObjectMapper());
        Semaphore outstanding = new Semaphore(backlog);
        AtomicBoolean stopped = new AtomicBoolean();
        AtomicLong next = new AtomicLong(firstDocument);
        LongAdder completions = new LongAdder();
        Thread feeder = new Thread(
                () -> {
                    while (!stopped.get()) {
                        try {
                            outstanding.acquire();
                        } catch (InterruptedException e) {
                            return;
                        }
                        client.chat(docs.body(next.getAndIncrement())).whenComplete((reply, error) -> {
                            if (error == null) {
                                completions.increment();
                            }
                            outstanding.release();
                        });
                    }
                },
                "worker-feeder");
        feeder.setDaemon(true);
        return new Load() {
            @Override
            public void start() {
                feeder.start();
            }

            @Override
            public long completions() {
                return completions.sum();
            }

            @Override
            public long completionTokens() {
                return client.stats().completionTokens.sum();
            }

            @Override
            public long expiries() {
                var timeouts = client.stats().retriesByReason.get("timeout");
                return timeouts == null ? 0 : timeouts.sum();
            }

            @Override
            public int inFlight() {
                return client.concurrency().inFlight();
            }

            @Override
            public void close() {
                stopped.set(true);
                feeder.interrupt();
                client.close();
            }
        };
    }

    static Load fixedWindow(String baseUrl, int window, Duration deadline, LongDocuments docs, long firstDocument) {
        FixedWindowClient client = new FixedWindowClient(baseUrl, window, deadline, firstDocument, docs::bodyJson);
        return new Load() {
            @Override
            public void start() {
                client.start();
            }

            @Override
            public long completions() {
                return client.completions.sum();
            }

            @Override
            public long completionTokens() {
                return client.completionTokens.sum();
            }

            @Override
            public long expiries() {
                return client.expiries.sum();
            }

            @Override
            public int inFlight() {
                return window;
            }

            @Override
            public void close() {
                client.close();
            }
        };
    }
}
