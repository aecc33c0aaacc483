package io.palimpsest.worker.validate;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Streams pairs through the judge on several threads and hands the verdicts on in input order.
 * Memory stays bounded whatever the input size: pairs travel in batches capped by count and by
 * characters, and at most two batches per thread are in flight; the reader waits for the oldest.
 */
public final class ValidationPipeline {

    /** Receives verdicts in input order, on the calling thread. */
    @FunctionalInterface
    public interface VerdictSink {
        void accept(PairVerdict verdict) throws IOException;
    }

    private final PairJudge judge;
    private final int threads;
    private final int batchPairs;
    private final long batchChars;

    public ValidationPipeline(PairJudge judge, int threads, int batchPairs, long batchChars) {
        if (threads < 1 || batchPairs < 1 || batchChars < 1) {
            throw new IllegalArgumentException("threads, batch size and batch characters must be positive");
        }
        this.judge = judge;
        this.threads = threads;
        this.batchPairs = batchPairs;
        this.batchChars = batchChars;
    }

    public static ValidationPipeline withDefaults(PairJudge judge, int threads) {
        return new ValidationPipeline(judge, threads, 256, 2_000_000);
    }

    public void run(PairReader reader, VerdictSink sink) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "validate");
            t.setDaemon(true);
            return t;
        });
        ArrayDeque<Future<List<PairVerdict>>> inFlight = new ArrayDeque<>();
        int maxInFlight = threads * 2;
        try {
            List<Pair> batch = new ArrayList<>();
            long chars = 0;
            Pair pair;
            while ((pair = reader.next()) != null) {
                batch.add(pair);
                chars += pair.weight();
                if (batch.size() >= batchPairs || chars >= batchChars) {
                    inFlight.add(submit(pool, batch));
                    batch = new ArrayList<>();
                    chars = 0;
                    while (inFlight.size() >= maxInFlight) {
                        deliver(inFlight.poll(), sink);
                    }
                }
            }
            if (!batch.isEmpty()) {
                inFlight.add(submit(pool, batch));
            }
            while (!inFlight.isEmpty()) {
                deliver(inFlight.poll(), sink);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private Future<List<PairVerdict>> submit(ExecutorService pool, List<Pair> batch) {
        return pool.submit(() -> {
            List<PairVerdict> verdicts = new ArrayList<>(batch.size());
            for (Pair p : batch) {
                verdicts.add(judge.judge(p));
            }
            return verdicts;
        });
    }

    private static void deliver(Future<List<PairVerdict>> batch, VerdictSink sink) throws IOException {
        List<PairVerdict> verdicts;
        try {
            verdicts = batch.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while validating", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("validation failed: " + e.getCause(), e.getCause());
        }
        for (PairVerdict v : verdicts) {
            sink.accept(v);
        }
    }
}
