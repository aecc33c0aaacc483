package io.palimpsest.sim.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.parsetools.RecordParser;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Keeps {@code concurrency} requests in flight against one URL for a warm-up plus a measured
 * window, and counts what completes (and, for streams, every token event) inside the window.
 * Uses a Vert.x client on its own event loop: java.net.http spends more CPU per request than the
 * simulator does, which would make a 2-core throughput benchmark measure the client.
 */
final class LoadDriver {
    /** What happened inside the measured window. */
    record Result(long completed, long errors, long tokenEvents, double seconds, double[] latenciesSeconds,
                  double processCpuSeconds) {
        /** CPU of the whole JVM (client and simulator) per completed request: independent of machine load. */
        double cpuMillisPerRequest() {
            return completed == 0 ? Double.NaN : processCpuSeconds * 1000 / completed;
        }

        double requestsPerSecond() {
            return completed / seconds;
        }

        double tokensPerSecond() {
            return tokenEvents / seconds;
        }

        double latencyPercentile(double p) {
            if (latenciesSeconds.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.min(latenciesSeconds.length - 1, Math.floor(p * latenciesSeconds.length));
            return latenciesSeconds[i];
        }
    }

    private final URI target;
    private final String body;
    private final boolean stream;
    private final int concurrency;

    LoadDriver(String url, String body, boolean stream, int concurrency) {
        this.target = URI.create(url);
        this.body = body;
        this.stream = stream;
        this.concurrency = concurrency;
    }

    Result run(double warmupSeconds, double measureSeconds) throws InterruptedException {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        try {
            HttpClient client = vertx.createHttpClient(
                    new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setPipelining(false),
                    new PoolOptions().setHttp1MaxSize(concurrency).setMaxWaitQueueSize(-1));
            Window window = new Window(System.nanoTime(), warmupSeconds, measureSeconds);
            CountDownLatch done = new CountDownLatch(concurrency);
            Buffer payload = Buffer.buffer(body);
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
                    .setHost(target.getHost()).setPort(target.getPort()).setURI(target.getRawPath())
                    .putHeader("content-type", "application/json");
            vertx.runOnContext(v -> {
                for (int i = 0; i < concurrency; i++) {
                    loop(client, options, payload, window, done);
                }
            });
            if (!done.await((long) (warmupSeconds + measureSeconds) + 120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("load did not drain in time");
            }
            return window.result();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    /** One in-flight slot: send, and when the answer is complete, send again until the window ends. */
    private void loop(HttpClient client, RequestOptions options, Buffer payload, Window window, CountDownLatch done) {
        long start = System.nanoTime();
        if (window.over(start)) {
            done.countDown();
            return;
        }
        client.request(options)
                .compose(req -> req.send(payload))
                .onSuccess(resp -> {
                    boolean ok = resp.statusCode() == 200;
                    if (stream) {
                        RecordParser events = RecordParser.newDelimited("\n\n", event -> {
                            if (event.length() > 6 && event.getByte(6) == '{') {
                                window.tokenEvent(System.nanoTime());
                            }
                        });
                        resp.handler(events);
                    } else {
                        resp.handler(buf -> { });
                    }
                    resp.endHandler(v -> {
                        window.finished(start, System.nanoTime(), ok);
                        loop(client, options, payload, window, done);
                    });
                    resp.exceptionHandler(e -> { });
                })
                .onFailure(e -> {
                    window.finished(start, System.nanoTime(), false);
                    loop(client, options, payload, window, done);
                });
    }

    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    /** Counts on the client's single event loop, so plain fields suffice until result(). */
    private static final class Window {
        private final long from;
        private final long to;
        private long completed;
        private long errors;
        private long tokens;
        private double[] latencies = new double[1 << 12];
        private int latencyCount;
        private long cpuAtStart = -1;
        private long cpuAtEnd = -1;

        Window(long now, double warmupSeconds, double measureSeconds) {
            this.from = now + (long) (warmupSeconds * 1e9);
            this.to = from + (long) (measureSeconds * 1e9);
        }

        boolean over(long now) {
            return now >= to;
        }

        void tokenEvent(long now) {
            if (now >= from && now < to) {
                tokens++;
            }
        }

        void finished(long start, long end, boolean ok) {
            if (end >= from && cpuAtStart < 0) {
                cpuAtStart = processCpuNanos();
            }
            if (end >= to && cpuAtEnd < 0) {
                cpuAtEnd = processCpuNanos();
            }
            if (end < from || end >= to) {
                return;
            }
            if (!ok) {
                errors++;
                return;
            }
            completed++;
            if (latencyCount == latencies.length) {
                latencies = Arrays.copyOf(latencies, latencies.length * 2);
            }
            latencies[latencyCount++] = (end - start) / 1e9;
        }

        synchronized Result result() {
            double[] sorted = Arrays.copyOf(latencies, latencyCount);
            Arrays.sort(sorted);
            long cpu = cpuAtStart < 0 ? 0 : (cpuAtEnd < 0 ? processCpuNanos() : cpuAtEnd) - cpuAtStart;
            return new Result(completed, errors, tokens, (to - from) / 1e9, sorted, cpu / 1e9);
        }
    }
}
