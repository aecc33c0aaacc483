package io.palimpsest.sim;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.TimeUnit;

/**
 * One Vert.x instance for every simulator in the JVM, reference-counted: a simulated cluster may
 * start dozens of replicas, and each gets its own event loop from a shared pool instead of a
 * Vert.x of its own with its own threads.
 */
final class SharedVertx {
    private static Vertx vertx;
    private static int users;

    private SharedVertx() {
    }

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

    static synchronized void release() {
        if (--users == 0) {
            Vertx closing = vertx;
            vertx = null;
            closing.close().toCompletionStage().toCompletableFuture().join();
        }
    }
}
