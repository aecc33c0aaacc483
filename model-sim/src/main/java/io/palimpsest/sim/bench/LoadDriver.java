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
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Keeps {@code concurrency} requests in flight against one URL for a warm-up plus a measured
 * window, and counts what completes (and, for streams, every token event) inside the window.
 * Uses a Vert.x client on its own event loop: java.net.http spends more CPU per request than the
 * simulator does, which would make a 2-core throughput benchmark measure the client.
 */
final class LoadDriver {
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

    LoadResult run(double warmupSeconds, double measureSeconds) throws InterruptedException {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        try {
            HttpClient client = vertx.createHttpClient(
                    new HttpClientOptions()
                            .setKeepAlive(true)
                            .setTcpNoDelay(true)
                            .setPipelining(false),
                    new PoolOptions().setHttp1MaxSize(concurrency).setMaxWaitQueueSize(-1));
            LoadWindow window = new LoadWindow(System.nanoTime(), warmupSeconds, measureSeconds);
            CountDownLatch done = new CountDownLatch(concurrency);
            Buffer payload = Buffer.buffer(body);
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setHost(target.getHost())
                    .setPort(target.getPort())
                    .setURI(target.getRawPath())
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
    private void loop(
            HttpClient client, RequestOptions options, Buffer payload, LoadWindow window, CountDownLatch done) {
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
                        resp.handler(buf -> {});
                    }
                    resp.endHandler(v -> {
                        window.finished(start, System.nanoTime(), ok);
                        loop(client, options, payload, window, done);
                    });
                    resp.exceptionHandler(e -> {});
                })
                .onFailure(e -> {
                    window.finished(start, System.nanoTime(), false);
                    loop(client, options, payload, window, done);
                });
    }
}
