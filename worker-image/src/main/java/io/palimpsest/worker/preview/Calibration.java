package io.palimpsest.worker.preview;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.palimpsest.worker.recipe.ModelCall;
import io.palimpsest.worker.recipe.ModelRequest;

/**
 * Measures one replica's capacity for this recipe: the sample's own requests, replayed in a closed
 * loop with a full batch in flight ({@code concurrency}, the model's max_num_seqs) for a fixed time;
 * the completion tokens of the requests that finish after a warm-up, per second, are the capacity.
 * The endpoint is taken as one replica: behind a balancer over several, declare the capacity instead.
 */
public final class Calibration {
    private Calibration() {
    }

    /** What was measured, with the figures behind it. */
    public record Result(double completionTokensPerSecond, long requestsCounted, long completionTokensCounted, double seconds,
                         int concurrency) {
    }

    public static Result measure(ModelCall model, List<ModelRequest> requests, int concurrency, Duration duration, Duration warmup)
            throws InterruptedException {
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("no request to calibrate with: the sample made no model call");
        }
        long start = System.nanoTime();
        long countFrom = start + warmup.toNanos();
        long stopAt = start + duration.toNanos();
        AtomicInteger next = new AtomicInteger();
        AtomicLong tokens = new AtomicLong();
        AtomicLong counted = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CompletableFuture<?>[] loops = new CompletableFuture<?>[concurrency];
        for (int i = 0; i < concurrency; i++) {
            loops[i] = loop(model, requests, next, tokens, counted, failure, countFrom, stopAt);
        }
        try {
            CompletableFuture.allOf(loops).get(duration.toSeconds() + 600, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            failure.compareAndSet(null, e.getCause() != null ? e.getCause() : e);
        }
        if (failure.get() != null) {
            throw new IllegalStateException("calibration against the endpoint failed: " + failure.get()
                    + "; pass --tokens-per-second-per-replica to declare the capacity instead", failure.get());
        }
        double seconds = (stopAt - countFrom) / 1e9;
        if (counted.get() == 0) {
            throw new IllegalStateException("calibration: no request finished within " + duration.toSeconds()
                    + " s; pass --calibration-seconds with more time, or --tokens-per-second-per-replica");
        }
        return new Result(tokens.get() / seconds, counted.get(), tokens.get(), seconds, concurrency);
    }

    /** One slot of the batch: call, count what finished inside the window, call again until the window closes. */
    private static CompletableFuture<Void> loop(ModelCall model, List<ModelRequest> requests, AtomicInteger next, AtomicLong tokens,
                                                AtomicLong counted, AtomicReference<Throwable> failure, long countFrom, long stopAt) {
        if (System.nanoTime() >= stopAt || failure.get() != null) {
            return CompletableFuture.completedFuture(null);
        }
        ModelRequest request = requests.get(Math.floorMod(next.getAndIncrement(), requests.size()));
        return model.call(request).toCompletableFuture().handle((reply, error) -> {
            if (error != null) {
                failure.compareAndSet(null, error);
                return CompletableFuture.<Void>completedFuture(null);
            }
            long now = System.nanoTime();
            if (now >= countFrom && now < stopAt) {
                tokens.addAndGet(reply.completionTokens());
                counted.incrementAndGet();
            }
            return loop(model, requests, next, tokens, counted, failure, countFrom, stopAt);
        }).thenCompose(f -> f);
    }
}
