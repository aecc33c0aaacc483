package io.palimpsest.worker.preview;

import io.palimpsest.worker.recipe.ModelCall;
import io.palimpsest.worker.recipe.ModelRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Measures one replica's capacity for this recipe: the sample's own requests, replayed in a closed
 * loop with a full batch in flight ({@code concurrency}, the model's max_num_seqs); from the first
 * answer on (the batch is full by then) for {@code duration}, the requests that finish are counted.
 * Each of the {@code concurrency} loops always has one request out, so the loops together generate
 * concurrency x (their requests' completion tokens / those requests' latency) per second (Little's
 * law for a closed loop). Counting the tokens that finish inside the window instead would miss the
 * tokens of requests still running at its end and count those generated before it opened: with
 * requests longer than the window (long rewrites at a full batch take tens of seconds) that
 * undercounts the capacity several times over.
 * The endpoint is taken as one replica: behind a balancer over several, declare the capacity instead.
 */
public final class Calibration {
    private Calibration() {}

    /** What was measured, with the figures behind it. */
    public record Result(
            double completionTokensPerSecond,
            long requestsCounted,
            long completionTokensCounted,
            double seconds,
            int concurrency,
            double requestSecondsCounted) {}

    public static Result measure(ModelCall model, List<ModelRequest> requests, int concurrency, Duration duration)
            throws InterruptedException {
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("no request to calibrate with: the sample made no model call");
        }
        Window window = new Window(duration.toNanos());
        AtomicInteger next = new AtomicInteger();
        AtomicLong tokens = new AtomicLong();
        AtomicLong counted = new AtomicLong();
        AtomicLong latencyNanos = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CompletableFuture<?>[] loops = new CompletableFuture<?>[concurrency];
        for (int i = 0; i < concurrency; i++) {
            loops[i] = loop(model, requests, next, tokens, counted, latencyNanos, failure, window);
        }
        try {
            CompletableFuture.allOf(loops).get(duration.toSeconds() + 900, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            failure.compareAndSet(null, e.getCause() != null ? e.getCause() : e);
        }
        if (failure.get() != null) {
            throw new IllegalStateException(
                    "calibration against the endpoint failed: " + failure.get()
                            + "; pass --tokens-per-second-per-replica to declare the capacity instead",
                    failure.get());
        }
        double seconds = duration.toNanos() / 1e9;
        if (counted.get() == 0) {
            throw new IllegalStateException(
                    "calibration: no request finished in the " + duration.toSeconds()
                            + " s after the first answer; pass --calibration-seconds with more time, or --tokens-per-second-per-replica");
        }
        double requestSeconds = latencyNanos.get() / 1e9;
        return new Result(
                concurrency * tokens.get() / Math.max(1e-9, requestSeconds),
                counted.get(),
                tokens.get(),
                seconds,
                concurrency,
                requestSeconds);
    }

    /** One slot of the batch: call, count what finished inside the window, call again until the window closes. */
    private static CompletableFuture<Void> loop(
            ModelCall model,
            List<ModelRequest> requests,
            AtomicInteger next,
            AtomicLong tokens,
            AtomicLong counted,
            AtomicLong latencyNanos,
            AtomicReference<Throwable> failure,
            Window window) {
        if (window.closed(System.nanoTime()) || failure.get() != null) {
            return CompletableFuture.completedFuture(null);
        }
        ModelRequest request = requests.get(Math.floorMod(next.getAndIncrement(), requests.size()));
        long sent = System.nanoTime();
        return model.call(request)
                .toCompletableFuture()
                .handle((reply, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    long now = System.nanoTime();
                    if (window.counts(now)) {
                        tokens.addAndGet(reply.completionTokens());
                        counted.incrementAndGet();
                        latencyNanos.addAndGet(now - sent);
                    }
                    return loop(model, requests, next, tokens, counted, latencyNanos, failure, window);
                })
                .thenCompose(f -> f);
    }

    /** Opens at the first answer and stays open for its length. */
    private static final class Window {
        private final long length;
        private final AtomicLong openedAt = new AtomicLong(Long.MIN_VALUE);

        Window(long length) {
            this.length = length;
        }

        /** Whether an answer arriving now counts; the first one opens the window and counts too. */
        boolean counts(long now) {
            openedAt.compareAndSet(Long.MIN_VALUE, now);
            return now - openedAt.get() < length;
        }

        boolean closed(long now) {
            long opened = openedAt.get();
            return opened != Long.MIN_VALUE && now - opened >= length;
        }
    }
}
