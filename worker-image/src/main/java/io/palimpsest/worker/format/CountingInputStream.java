package io.palimpsest.worker.format;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;

/**
 * Counts the bytes read or skipped through it: where a decoder stopped in its source, or progress against a file's
 * size. Each read's count also goes to a listener when one is given (one call per buffer fill). Mark and reset are
 * not offered, so no byte is counted twice.
 */
public final class CountingInputStream extends FilterInputStream {
    private final LongConsumer onRead;
    /** Written by the reading thread alone; read by others (a progress bar). */
    private volatile long count;

    public CountingInputStream(InputStream in) {
        this(in, n -> {});
    }

    public CountingInputStream(InputStream in, LongConsumer onRead) {
        super(in);
        this.onRead = onRead;
    }

    /** Bytes read or skipped so far. */
    public long count() {
        return count;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            counted(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
            counted(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(n);
        if (skipped > 0) {
            counted(skipped);
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readLimit) {
        // not offered: a reset would count the bytes after the mark twice
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }

    /** Only the reading thread writes the count, so the increment need not be atomic. */
    private void counted(long n) {
        count += n;
        onRead.accept(n);
    }
}
