package io.palimpsest.worker.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A model endpoint slow to answer its health check: each {@code /health} request is held until {@link #close} (at
 * most a minute), then answered 503, as is every other request. A command under test is then known to be checking
 * that the model answers, before any shard runs, for as long as the test wants: the moment to send it a signal.
 */
public final class HeldHealthServer implements AutoCloseable {

    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger healthChecks = new AtomicInteger();
    private final AtomicInteger completions = new AtomicInteger();
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private final HttpServer server;

    public HeldHealthServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(handlers);
        SaysItCloses.on(server.createContext("/", exchange -> {
            if (exchange.getRequestURI().getPath().equals("/health")) {
                healthChecks.incrementAndGet();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else {
                completions.incrementAndGet();
            }
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        }));
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Waits (at most a minute) until the first health check arrives or {@code process} ends; true if it arrived. */
    public boolean awaitHealthCheck(Process process) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (healthChecks.get() == 0 && process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return healthChecks.get() > 0;
    }

    /** Requests other than health checks: documents sent to the model. */
    public int completions() {
        return completions.get();
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        handlers.shutdownNow();
    }
}
