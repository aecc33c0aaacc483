package io.palimpsest.worker.storage;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many small objects (a campaign's receipts, one per shard) read whole with several GETs in flight, handed over one
 * by one in the order asked: what a reader sees is what reading them one after another gives, in a fraction of the
 * time where each GET waits on the store's first byte (tens of milliseconds on S3: 100,000 receipts read one after
 * another are half an hour). At most {@code inFlight} objects are held or on their way at once. The first failure in
 * the order asked is thrown, as a read one after another would throw it, and nothing after it is handed over; the
 * reads still on their way are abandoned. Each read goes through the store's own retries and gate.
 */
public final class ManyReads {
    /** GETs in flight by default: the gain flattens past it against S3, and it stays under the client's pool. */
    public static final int IN_FLIGHT = 16;

    private static final AtomicInteger THREADS = new AtomicInteger();

    /** What is done with each object, in the order asked. */
    @FunctionalInterface
    public interface Each {
        void accept(String key, byte[] bytes) throws IOException;
    }

    private ManyReads() {}

    /** Reads every one of {@code keys} from {@code storage} and hands each to {@code each}, in the order of keys. */
    public static void inOrder(Storage storage, List<String> keys, int inFlight, Each each) throws IOException {
        if (inFlight <= 1 || keys.size() <= 1) {
            for (String key : keys) {
                each.accept(key, storage.readAll(key));
            }
            return;
        }
        int threads = Math.min(inFlight, keys.size());
        ExecutorService pool = Executors.newFixedThreadPool(threads, task -> {
            Thread thread = new Thread(task, "palimpsest-reads-" + THREADS.incrementAndGet());
            thread.setDaemon(true); // a SIGTERM ends the process as it would with the reads one after another
            return thread;
        });
        try {
            Deque<Future<byte[]>> onTheirWay = new ArrayDeque<>();
            int asked = 0;
            for (String key : keys) {
                while (asked < keys.size() && onTheirWay.size() < threads) {
                    String next = keys.get(asked++);
                    onTheirWay.add(pool.submit(() -> storage.readAll(next)));
                }
                each.accept(key, take(onTheirWay.poll()));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static byte[] take(Future<byte[]> read) throws IOException {
        try {
            return read.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("reading was interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IOException(cause);
        }
    }
}
