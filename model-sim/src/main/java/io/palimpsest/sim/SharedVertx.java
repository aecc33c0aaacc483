package io.palimpsest.sim;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One Vert.x instance for every simulator in the JVM, reference-counted: a simulated cluster may
 * start dozens of replicas, and each gets its own event loop from a shared pool instead of a
 * Vert.x of its own with its own threads.
 */
final class SharedVertx {
    private static Vertx vertx;
    private static int users;

    private SharedVertx() {}

    static synchronized Vertx acquire() {
        if (vertx == null) {
            VertxOptions options = new VertxOptions()
                    .setEventLoopPoolSize(Math.max(2, Runtime.getRuntime().availableProcessors()))
                    .setWorkerPoolSize(2)
                    .setInternalBlockingPoolSize(2)
                    .setBlockedThreadCheckInterval(10)
                    .setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS);
            vertx = Vertx.vertx(options);
        }
        users++;
        return vertx;
    }

    /**
     * A context of its own for one simulator. {@code getOrCreateContext()} would hand every
     * server started from the same thread the same (sticky) context, piling them all on one
     * event loop; each verticle deployment gets a fresh one, round-robin over the loops.
     */
    static Context newEventLoopContext(Vertx vertx) {
        CompletableFuture<Context> deployed = new CompletableFuture<>();
        vertx.deployVerticle(new AbstractVerticle() {
                    @Override
                    public void start() {
                        deployed.complete(context);
                    }
                })
                .onFailure(deployed::completeExceptionally);
        return deployed.join();
    }

    static synchronized void release() {
        if (--users == 0) {
            Vertx closing = vertx;
            vertx = null;
            closing.close().toCompletionStage().toCompletableFuture().join();
        }
    }
}
