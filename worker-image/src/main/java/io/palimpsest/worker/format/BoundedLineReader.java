package io.palimpsest.worker.format;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream on {@code \n} without ever holding more than {@code maxLineBytes} of one
 * line: the rest of an oversized line is read and dropped, and the line is reported as too long.
 * Works on bytes so that invalid UTF-8 can be detected per line by the caller instead of being
 * silently replaced by a decoder.
 */
public final class BoundedLineReader {

    /** One line; {@code bytes} is reused by the next call, copy what you keep. */
    public static final class Line {
        private byte[] bytes = new byte[8192];
        private int length;
        private long number;
        private long totalLength;

        public byte[] bytes() {
            return bytes;
        }

        public int length() {
            return length;
        }

        /** 1-based line number in the file. */
        public long number() {
            return number;
        }

        /** The full length of the line, including dropped bytes when it was too long. */
        public long totalLength() {
            return totalLength;
        }

        public boolean truncated() {
            return totalLength > length;
        }
    }

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] buffer = new byte[64 * 1024];
    private int position;
    private int limit;
    private long lineNumber;
    private final Line line = new Line();

    public BoundedLineReader(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /** The next line without its terminator ({@code \n} or {@code \r\n}), or null at the end. */
    public Line next() throws IOException {
        line.length = 0;
        line.totalLength = 0;
        boolean sawAnything = false;
        while (true) {
            if (!bufferHasBytes()) {
                return sawAnything ? finish() : null;
            }
            sawAnything = true;
            int newline = indexOfNewline(position, limit);
            int end = newline < 0 ? limit : newline;
            append(position, end - position);
            if (newline >= 0) {
                position = newline + 1;
                return finish();
            }
            position = limit;
        }
    }

    /**
     * Passes over the next line as {@link #next()} would read it, numbered the same, without copying any of it; false
     * at the end.
     */
    public boolean skip() throws IOException {
        boolean sawAnything = false;
        while (true) {
            if (!bufferHasBytes()) {
                if (sawAnything) {
                    lineNumber++; // a last line without its newline
                }
                return sawAnything;
            }
            sawAnything = true;
            int newline = indexOfNewline(position, limit);
            if (newline >= 0) {
                position = newline + 1;
                lineNumber++;
                return true;
            }
            position = limit;
        }
    }

    /** Reads the next bytes into the buffer when it has none left to look at; false at the stream's end. */
    private boolean bufferHasBytes() throws IOException {
        if (position < limit) {
            return true;
        }
        limit = Math.max(0, in.read(buffer, 0, buffer.length));
        position = 0;
        return limit > 0;
    }

    private int indexOfNewline(int from, int to) {
        for (int i = from; i < to; i++) {
            if (buffer[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private void append(int from, int count) {
        line.totalLength += count;
        int room = maxLineBytes - line.length;
        int keep = Math.min(count, Math.max(room, 0));
        if (keep > 0) {
            if (line.length + keep > line.bytes.length) {
                line.bytes = Arrays.copyOf(
                        line.bytes, Math.min(maxLineBytes, Math.max(line.bytes.length * 2, line.length + keep)));
            }
            System.arraycopy(buffer, from, line.bytes, line.length, keep);
            line.length += keep;
        }
    }

    private Line finish() {
        lineNumber++;
        line.number = lineNumber;
        if (!line.truncated() && line.length > 0 && line.bytes[line.length - 1] == '\r') {
            line.length--;
            line.totalLength--;
        }
        return line;
    }
}
